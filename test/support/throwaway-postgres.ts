import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './cli-process.js';
import { uidOf } from './daemons.js';

/**
 * A PostgreSQL cluster of the test's own (initdb into a temp folder, on a free loopback port), so a
 * test can stop and start the server under load. Never the machine's cluster on 5432: others use it.
 * initdb refuses to run as root, so the cluster belongs to the `postgres` system user.
 */
export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication). */
  url: string;
  port: number;
  /** pg_ctl stop -m fast: every session is terminated (57P01) and the server refuses connections. */
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

/** The newest installed PostgreSQL's bin folder, or null (the test is then skipped). */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(path.join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

export async function createThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries are not installed');
  const dir = mkdtempSync(path.join(tmpdir(), 'mailwarden-pg-'));
  const owner = uidOf('postgres');
  chownSync(dir, owner, -1);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  const port = await freePort();
  // Asynchronous: the server under test runs in this process and must keep serving meanwhile.
  const asPostgres = (command: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(
        'runuser',
        ['-u', 'postgres', '--', path.join(bin, command), ...args],
        { cwd: dir },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${command} failed: ${stderr || stdout || error.message}`)) : resolve(),
      );
    });
  await asPostgres('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`;
  const start = () => asPostgres('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', 'start']);
  const stop = () => asPostgres('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  await start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async remove() {
      if (running) await stop();
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
