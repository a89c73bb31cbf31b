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
    /**
     * Probes until the server has closed the session, for up to `timeoutMs`: doveadm's kick signals
     * the IMAP process and returns, and the process says BYE a moment later. Returns the last answer.
     */
    async disconnected(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        child.stdin.write('noop\n');
        const answer = await next();
        if (answer.startsWith('disconnected') || Date.now() > deadline) return answer;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop: () => child.kill(),
  };
}
