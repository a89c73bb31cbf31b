import { spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * Starting and stopping real daemons (Postfix, Dovecot) for the mail-stack harnesses: binaries,
 * system users, pid files and /proc, ports. Shared by postfix-harness, dovecot-auth-harness and
 * dovecot-imap-harness.
 */
const BINARY_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function findBinary(name: string): string | null {
  for (const dir of [...(process.env['PATH'] ?? '').split(':').filter(Boolean), ...BINARY_DIRS]) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

/**
 * Runs a command to its end with its output appended to a log file. Daemons it starts inherit only
 * that file, never a pipe of ours: a pipe held open by a daemon would never reach end-of-file.
 */
export function run(name: string, args: string[], logFile: string): Promise<void> {
  const binary = findBinary(name);
  if (!binary) return Promise.reject(new Error(`${name} is not installed`));
  return new Promise((resolve, reject) => {
    const out = openSync(logFile, 'a');
    // The child gets its own copy of the descriptor; ours closes at once.
    const child = spawn(binary, args, { stdio: ['ignore', out, out] });
    closeSync(out);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} ${args.join(' ')} exited with ${code ?? signal}`));
    });
  });
}

export function uidOf(user: string): number {
  const result = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const uid = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isInteger(uid)) throw new Error(`no system user ${user}`);
  return uid;
}

export async function waitForPid(file: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = Number(readOrEmpty(file).trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    if (Date.now() > deadline) throw new Error(`no pid in ${file}`);
    await sleep(50);
  }
}

/** Processes whose command line contains this text (from /proc). */
export function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && readOrEmpty(`/proc/${name}/cmdline`).includes(text))
    .map(Number);
}

export function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The state letter of /proc/PID/stat; a zombie has exited and only waits to be reaped. */
function isRunning(pid: number): boolean {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  return stat !== '' && stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
}

/** Every process below these (Postfix's smtpd, qmgr…; Dovecot's auth, anvil…), from /proc. */
export function descendantsOf(roots: readonly number[]): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOrEmpty(`/proc/${name}/stat`);
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!parents.has(parent)) parents.set(parent, []);
    parents.get(parent)!.push(Number(name));
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const child of parents.get(pid) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  for (const root of roots) visit(root);
  return found;
}

/** Waits for the daemons to exit (children follow their master); then kills what is left. */
export async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isRunning) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(isRunning)) signal(pid, 'SIGKILL');
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {}
}

export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The id of a system group (getent). */
export function gidOf(group: string): number {
  const result = spawnSync('getent', ['group', group], { encoding: 'utf8' });
  const gid = Number(result.stdout.split(':')[2]);
  if (result.status !== 0 || !Number.isInteger(gid)) throw new Error(`no system group ${group}`);
  return gid;
}
