import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './cli-process.js';

/**
 * A MariaDB server of the test's own (Debian's mariadb-server): mariadb-install-db into a temp
 * folder, mariadbd on a free loopback port. Never a system service. As root it runs with
 * --user=root (the files belong to the account that made them).
 */
export interface ThrowawayMariaDb {
  /** mysql://root@127.0.0.1:PORT/ (no password; the server listens on loopback only). */
  url(database: string): string;
  /** Runs statements as root (multiple statements allowed). */
  run(sql: string): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  remove(): Promise<void>;
}

export const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

/** Why MariaDB tests cannot run here, or null. */
export function missingMariaDb(): string | null {
  return existsSync(MARIADBD) && existsSync(INSTALL_DB)
    ? null
    : 'mariadb-server is not installed (apt-get install mariadb-server)';
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 120_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${file} failed: ${stderr || error.message}`)) : resolve(),
    );
  });
}

export async function startThrowawayMariaDb(): Promise<ThrowawayMariaDb> {
  const root = mkdtempSync(path.join(tmpdir(), 'mw-mariadb-'));
  const dataDir = path.join(root, 'data');
  mkdirSync(dataDir);
  const socket = path.join(root, 'mariadb.sock');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  await run(INSTALL_DB, [
    // Never the machine's /etc/mysql settings (they name the mysql user and the system socket).
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    ...(asRoot ? ['--user=root'] : []),
  ]);
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(root, 'mariadb.pid')}`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
        ...(asRoot ? ['--user=root'] : []),
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
        await connection.end();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    async run(sql) {
      const connection = await mysql.createConnection({
        host: '127.0.0.1',
        port,
        user: 'root',
        multipleStatements: true,
      });
      try {
        await connection.query(sql);
      } finally {
        await connection.end();
      }
    },
    stop,
    start,
    async remove() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
