import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, NO_DNS_SERVER } from '../support/cli-process.js';
import { makeTempDir } from '../support/test-app.js';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The tarball is packed without scripts: the suite runs on a fresh build (dist/), and `npm pack` with
 * scripts would compile the whole project a second time through `prepare`.
 */
async function packInto(dir: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: REPO,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(packed);
  return { tarball: path.join(dir, packed.filename), files: packed.files.map((file) => file.path) };
}

/**
 * better-sqlite3's installer (prebuild-install) downloads a prebuilt binary, and without network
 * compiles SQLite, which takes minutes. Its `local-prebuilds` option takes the binary from a folder
 * instead: this checkout's own build, which the same Node version made, is offered there.
 */
async function offerLocalSqlitePrebuild(dir: string): Promise<Record<string, string>> {
  const packageDir = path.join(REPO, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(dir, { recursive: true });
  await run('tar', ['-czf', path.join(dir, name), '-C', packageDir, 'build/Release/better_sqlite3.node']);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

async function waitForHealthy(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`/healthz never answered 200:\n${log()}`);
}

describe('the npm package', () => {
  const temp = makeTempDir('mailwarden-pack-');
  let packed: { tarball: string; files: string[] };
  let server: ChildProcess | undefined;
  after(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    temp.remove();
  });

  test('the tarball holds the compiled CLI and no tests, bench or sources', async () => {
    packed = await packInto(temp.dir);
    assert.ok(packed.files.includes('dist/src/cli/main.js'), 'dist/src/cli/main.js is packed');
    assert.ok(packed.files.includes('bin/mailwarden.js'));
    assert.ok(packed.files.includes('LICENSE'));
    const stray = packed.files.filter((file) =>
      /^(test|bench|src|dist\/test|dist\/bench|scripts)\//.test(file),
    );
    assert.deepEqual(stray, []);
  });

  test('installed globally from the tarball, `mailwarden serve` starts, answers /healthz and stops on SIGTERM', {
    timeout: 600_000,
  }, async () => {
    assert.ok(packed, 'packed by the previous test');
    const prefix = path.join(temp.dir, 'prefix');
    // Dependencies come from npm's cache (warm after `npm ci`); --prefer-offline still lets npm fetch
    // what the cache lacks instead of failing.
    await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', packed.tarball],
      {
        cwd: temp.dir,
        env: { ...process.env, ...(await offerLocalSqlitePrebuild(path.join(temp.dir, 'prebuilds'))) },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 540_000,
      },
    );
    const ports = { smtp: await freePort(), smtps: await freePort(), http: await freePort() };
    let log = '';
    const child = spawn(path.join(prefix, 'bin', 'mailwarden'), ['serve'], {
      cwd: temp.dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/tmp',
        MAILWARDEN_DNS_SERVERS: NO_DNS_SERVER,
        MAILWARDEN_DATA_DIR: path.join(temp.dir, 'data'),
        MAILWARDEN_SMTP_PORT: String(ports.smtp),
        MAILWARDEN_SMTPS_PORT: String(ports.smtps),
        MAILWARDEN_HTTP_PORT: String(ports.http),
        MAILWARDEN_POLICY_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    await waitForHealthy(ports.http, child, () => log);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, log);
  });
});
