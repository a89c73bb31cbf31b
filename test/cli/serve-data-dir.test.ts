import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { freePort, runMailwarden, startMailwardenServe } from '../support/cli-process.js';
import { makeTempDir } from '../support/test-app.js';

const modeOf = (file: string) => `0${(statSync(file).mode & 0o777).toString(8)}`;

describe('mailwarden serve keeps its data dir to itself', () => {
  const temp = makeTempDir('mailwarden-data-dir-');
  const dataDir = path.join(temp.dir, 'data');
  let env: Record<string, string>;
  let smtpPort: number;

  const serve = async () => {
    const server = await startMailwardenServe({ env });
    return {
      ...server,
      async stop() {
        server.child.kill('SIGTERM');
        await server.exited;
      },
    };
  };

  before(async () => {
    smtpPort = await freePort();
    env = {
      MAILWARDEN_DATA_DIR: dataDir,
      MAILWARDEN_SMTP_PORT: String(smtpPort),
      MAILWARDEN_SMTPS_PORT: '0',
      MAILWARDEN_HTTP_PORT: '0',
      MAILWARDEN_POLICY_PORT: '0',
    };
    assert.equal((await runMailwarden(['domain', 'add', 'example.org'], { env })).code, 0);
    const user = await runMailwarden(['user', 'add', 'alice@example.org', '--password-stdin'], {
      env,
      input: 'alice-password-123\n',
    });
    assert.equal(user.code, 0, user.stderr);
    const allowed = await runMailwarden(['org', 'set', 'mailSignIn.accountPassword', 'allowed'], { env });
    assert.equal(allowed.code, 0, allowed.stderr);
  });
  after(() => temp.remove());

  test('a first start creates the data dir 0700 and the database, WAL, TLS key and spooled messages 0600, and warns about nothing', async () => {
    const server = await serve();
    try {
      await nodemailer
        .createTransport({
          host: '127.0.0.1',
          port: smtpPort,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          auth: { user: 'alice@example.org', pass: 'alice-password-123' },
        })
        .sendMail({ from: 'alice@example.org', to: 'carol@customer.test', subject: 'hello', text: 'hi' });
      const spooled = readdirSync(path.join(dataDir, 'spool')).filter((name) => name.endsWith('.eml'));
      assert.equal(spooled.length, 1);
      const modes = Object.fromEntries(
        [
          '.',
          'mailwarden.sqlite',
          'mailwarden.sqlite-wal',
          'mailwarden.sqlite-shm',
          'tls',
          'tls/self-signed-key.pem',
          'spool',
          'spool/tmp',
          `spool/${spooled[0]}`,
        ].map((name) => [name, modeOf(path.join(dataDir, name))]),
      );
      for (const [name, mode] of Object.entries(modes))
        assert.equal(mode, statSync(path.join(dataDir, name)).isDirectory() ? '0700' : '0600', name);
      assert.doesNotMatch(server.log(), /readable by other local accounts/);
    } finally {
      await server.stop();
    }
  });

  test('a data dir and database other local accounts can read are named in a warning at start, with the fix', async () => {
    chmodSync(dataDir, 0o755);
    chmodSync(path.join(dataDir, 'mailwarden.sqlite'), 0o644);
    const server = await serve();
    try {
      const warnings = server
        .log()
        .split('\n')
        .filter((line) => line.includes('readable by other local accounts'))
        .map((line) => JSON.parse(line) as { level: string; path: string; mode: string; fix: string });
      const database = path.join(dataDir, 'mailwarden.sqlite');
      // SQLite creates the WAL and SHM files with the database file's mode: they are as open as it is.
      assert.deepEqual(
        warnings
          .map(({ level, path: file, mode, fix }) => ({ level, file, mode, fix }))
          .sort((a, b) => a.file.localeCompare(b.file)),
        [
          { level: 'warn', file: dataDir, mode: '0755', fix: `chmod 700 ${dataDir}` },
          ...['', '-shm', '-wal'].map((suffix) => ({
            level: 'warn',
            file: `${database}${suffix}`,
            mode: '0644',
            fix: `chmod 600 ${database}${suffix}`,
          })),
        ],
      );
    } finally {
      await server.stop();
      chmodSync(dataDir, 0o700);
      // A clean stop removed the WAL and SHM files; the next start creates them with the database's mode.
      chmodSync(path.join(dataDir, 'mailwarden.sqlite'), 0o600);
    }
  });

  test('partial spool files a kill -9 left in spool/tmp/ are removed at the next start, and spooled messages stay', async () => {
    const crashed = await serve();
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    const tmpDir = path.join(dataDir, 'spool', 'tmp');
    mkdirSync(tmpDir, { recursive: true });
    for (let n = 0; n < 3; n++)
      writeFileSync(path.join(tmpDir, `1700000000000-partial-${n}.eml`), 'Return-Path: <a');
    const delivered = readdirSync(path.join(dataDir, 'spool')).filter((name) => name.endsWith('.eml'));
    assert.ok(delivered.length > 0);
    const before = delivered.map((name) => readFileSync(path.join(dataDir, 'spool', name), 'utf8'));

    const server = await serve();
    try {
      assert.deepEqual(readdirSync(tmpDir), []);
      assert.deepEqual(
        readdirSync(path.join(dataDir, 'spool')).filter((name) => name.endsWith('.eml')),
        delivered,
      );
      assert.deepEqual(
        delivered.map((name) => readFileSync(path.join(dataDir, 'spool', name), 'utf8')),
        before,
      );
      const line = server
        .log()
        .split('\n')
        .find((entry) => entry.includes('removed partial spool files'));
      assert.equal((JSON.parse(line ?? '{}') as { removed?: number }).removed, 3);
    } finally {
      await server.stop();
    }
  });
});
