import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built executable, exactly as `npx mailwarden` runs it. */
export const MAILWARDEN_BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../bin/mailwarden.js',
);

/**
 * What every Mailwarden the tests start gets: a PATH and HOME, and DNS on a loopback port where nothing
 * listens, so that no test ever asks the machine's resolver (the Secure Score tests start their own DNS
 * server and pass MAILWARDEN_DNS_SERVERS).
 */
function baseEnv(): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    MAILWARDEN_DNS_SERVERS: NO_DNS_SERVER,
    // One process unless a test asks for workers (test/support/served-workers.ts): the tests that
    // kill, starve or measure `serve` mean the process they started.
    MAILWARDEN_WORKERS: '1',
  };
}

/** The discard port on loopback: queries are refused at once ("could not check"). */
export const NO_DNS_SERVER = '127.0.0.1:9';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runMailwarden(
  args: readonly string[],
  options: { env: Record<string, string>; input?: string; cwd?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAILWARDEN_BIN, ...args], {
      env: { ...baseEnv(), ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Starts `mailwarden serve` and resolves once its log says it started. */
export function startMailwardenServe(options: { env: Record<string, string>; cwd?: string }): Promise<{
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAILWARDEN_BIN, 'serve'], {
      env: { ...baseEnv(), ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    // A server that did not start in time is ended: left running, it would hold the test run open.
    // A minute: on a shared two-core machine under load a start has taken more than 20 s (several
    // workers start one after the other, worker 1 preparing first).
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${log}`));
    }, 60_000);
    const onOutput = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('"mailwarden started"')) {
        clearTimeout(timer);
        resolve({ child, log: () => log, exited });
      }
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${log}`));
    });
  });
}

/**
 * Ports handed out by this process. The kernel's own pick (listen on 0) can hand the same port out
 * twice once the probe closes it, and it picks from the ephemeral range, where every outgoing
 * connection (to PostgreSQL, to a daemon under test) also takes its local port: both raced a
 * daemon's bind in CI ("port 34505 is already used by smtps.port"). So tests take ports below the
 * ephemeral range (32768 on Linux), never the same one twice in a process, and each test process
 * draws from its own slice of that range (by pid) so the two files running at once rarely meet.
 */
const handedOut = new Set<number>();
const PORT_FLOOR = 20_000;
const PORT_CEILING = 32_767;
const SLICES = 4;

export async function freePort(): Promise<number> {
  const sliceSize = Math.floor((PORT_CEILING - PORT_FLOOR + 1) / SLICES);
  const sliceStart = PORT_FLOOR + (process.pid % SLICES) * sliceSize;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = sliceStart + Math.floor(Math.random() * sliceSize);
    if (handedOut.has(port)) continue;
    if (await canListenOn(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found in ${sliceStart}-${sliceStart + sliceSize - 1}`);
}

function canListenOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
