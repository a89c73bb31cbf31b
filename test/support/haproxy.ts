import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './cli-process.js';
import { makeTempDir } from './test-app.js';

export const HAPROXY = '/usr/sbin/haproxy';
export const haproxyMissing = !existsSync(HAPROXY) && 'haproxy is not installed';

export interface RunningHaproxy {
  /** The front port on 127.0.0.1 (TCP, STARTTLS submission passes through). */
  readonly port: number;
  /** Its process id (for /proc). */
  readonly pid: number;
  /** Everything HAProxy wrote to stderr (server up/down lines). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * A real HAProxy (the Debian package) in TCP mode in front of SMTP listeners on loopback, as
 * deploy/compose/haproxy.cfg sets it up: send-proxy-v2 to each, health checks with a PROXY v2 LOCAL
 * header, and a connection that finds its server down is sent to another (redispatch), as a rolling
 * restart needs. Checks are fast here (every 200 ms, out after one failure) so that a stopped
 * instance is out of rotation within a fraction of a second.
 */
export async function startHaproxy(backendPorts: readonly number[]): Promise<RunningHaproxy> {
  const temp = makeTempDir('mailwarden-haproxy-');
  const port = await freePort();
  const servers = backendPorts
    .map(
      (backend, index) =>
        `  server mw${index + 1} 127.0.0.1:${backend} send-proxy-v2 check check-send-proxy inter 200 fall 1 rise 1`,
    )
    .join('\n');
  const cfg = path.join(temp.dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    'global\n  maxconn 2000\n' +
      'defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n' +
      '  retries 3\n  option redispatch\n' +
      `frontend submission\n  bind 127.0.0.1:${port}\n  default_backend mailwarden\n` +
      `backend mailwarden\n  balance leastconn\n${servers}\n`,
  );
  let log = '';
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // Up once a connection through it is answered with a greeting (a backend must be running).
  const deadline = Date.now() + 20_000;
  while (!(await greets(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      temp.remove();
      throw new Error(`haproxy did not come up:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    pid: child.pid ?? 0,
    log: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      temp.remove();
    },
  };
}

/** Whether a connection to `port` gets a 220 greeting. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let seen = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('data', (data) => {
      seen += data.toString('latin1');
      if (seen.includes('\r\n')) done(seen.startsWith('220'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}
