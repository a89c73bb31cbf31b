import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLIENT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/clients/imap_held_session.py',
);

/**
 * An intruder's IMAP client (Python imaplib) that stays signed in: `ready` resolves to "logged-in",
 * `probe` sends a NOOP and resolves to "connected" or "disconnected: …" once the server closed it.
 */
export function heldImapSession(port: number, user: string, password: string) {
  const child = spawn('python3', [CLIENT, String(port), user, password]);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`the IMAP client ended: ${stderr}`);
    return line.value as string;
  };
  return {
    ready: next,
    async probe() {
      child.stdin.write('noop\n');
      return next();
    },
    stop: () => child.kill(),
  };
}
