import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort, MAILWARDEN_BIN, NO_DNS_SERVER, runMailwarden } from '../support/cli-process.js';
import { makeTempDir } from '../support/test-app.js';

const PACKAGE_DIR = path.resolve(path.dirname(MAILWARDEN_BIN), '..');
const packageVersion = (
  JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('the CLI guides an admin who types something wrong', () => {
  const temp = makeTempDir('mailwarden-guide-');
  const env = { MAILWARDEN_DATA_DIR: path.join(temp.dir, 'data') };
  after(() => temp.remove());

  test('an unknown command is named, with a short hint, and exits 2 without the whole help', async () => {
    const result = await runMailwarden(['frobnicate'], { env });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^mailwarden: unknown command "frobnicate"\n/);
    assert.match(result.stderr, /mailwarden help/);
    assert.ok(result.stderr.split('\n').length <= 3, result.stderr);
    const sub = await runMailwarden(['user', 'frobnicate'], { env });
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /unknown command "user frobnicate"[\s\S]*mailwarden help user/);
  });

  test('help and --help exit 0; help and --help of a group list only that group’s commands', async () => {
    for (const args of [['help'], ['--help']]) {
      const all = await runMailwarden(args, { env });
      assert.equal(all.code, 0, `${args.join(' ')}: ${all.stderr}`);
      assert.match(all.stdout, /mailwarden user add/);
      assert.match(all.stdout, /mailwarden policy set/);
    }
    for (const args of [
      ['user', '--help'],
      ['help', 'user'],
    ]) {
      const group = await runMailwarden(args, { env });
      assert.equal(group.code, 0, `${args.join(' ')}: ${group.stderr}`);
      const usages = group.stdout.split('\n').filter((line) => line.startsWith('  mailwarden '));
      assert.ok(usages.length >= 5, group.stdout);
      for (const line of usages)
        assert.match(line, /^ {2}mailwarden user /, `${args.join(' ')} lists ${line}`);
    }
    const unknownTopic = await runMailwarden(['help', 'frobnicate'], { env });
    assert.equal(unknownTopic.code, 2);
    assert.match(unknownTopic.stderr, /unknown command "frobnicate"/);
  });

  test('--version prints the package version', async () => {
    const result = await runMailwarden(['--version'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), packageVersion);
  });

  test('a reason that is too short says the minimum length', async () => {
    assert.equal((await runMailwarden(['init'], { env })).code, 0);
    const release = await runMailwarden(['restricted', 'release', 'a@example.org', '--reason', 'x'], { env });
    assert.equal(release.code, 1);
    assert.match(release.stderr, /at least 3 characters/);
    const status = await runMailwarden(
      ['score', 'status', 'identity.admin-count', '--status', 'risk-accepted', '--reason', 'x'],
      { env },
    );
    assert.equal(status.code, 1);
    assert.match(status.stderr, /at least 3 characters/);
  });
});

describe('the CLI finds the server’s data, and never creates an empty one by accident', () => {
  const temp = makeTempDir('mailwarden-where-');
  after(() => temp.remove());

  test('a command that reads data, run where there is none, refuses, names the folder and how to point elsewhere, and creates nothing', async () => {
    const elsewhere = path.join(temp.dir, 'elsewhere');
    mkdirSync(elsewhere);
    const result = await runMailwarden(['user', 'list'], { env: {}, cwd: elsewhere });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.ok(result.stderr.includes(`no Mailwarden data in ${path.join(elsewhere, 'data')}`), result.stderr);
    assert.match(result.stderr, /MAILWARDEN_DATA_DIR/);
    assert.match(result.stderr, /MAILWARDEN_CONFIG/);
    assert.match(result.stderr, /mailwarden init/);
    assert.deepEqual(readdirSync(elsewhere), [], 'no ./data was created');
  });

  test('./mailwarden.yaml in the current folder is the configuration when none is named; init creates the data it names', async () => {
    const site = path.join(temp.dir, 'site');
    const dataDir = path.join(temp.dir, 'server-data');
    mkdirSync(site);
    writeFileSync(path.join(site, 'mailwarden.yaml'), `data:\n  dir: ${dataDir}\n`);
    const before = await runMailwarden(['user', 'list'], { env: {}, cwd: site });
    assert.equal(before.code, 2);
    assert.ok(before.stderr.includes(`no Mailwarden data in ${dataDir}`), before.stderr);
    assert.ok(before.stderr.includes(path.join(site, 'mailwarden.yaml')), 'names the config file it used');

    const init = await runMailwarden(['init'], { env: {}, cwd: site });
    assert.equal(init.code, 0, init.stderr);
    assert.ok(existsSync(path.join(dataDir, 'mailwarden.sqlite')));
    assert.equal((await runMailwarden(['domain', 'add', 'example.org'], { env: {}, cwd: site })).code, 0);
    const added = await runMailwarden(['user', 'add', 'alice@example.org', '--password-stdin'], {
      env: {},
      cwd: site,
      input: 'alice-password-123\n',
    });
    assert.equal(added.code, 0, added.stderr);
    // From another folder, pointed at the same data by the variable.
    const list = await runMailwarden(['user', 'list'], {
      env: { MAILWARDEN_DATA_DIR: dataDir },
      cwd: temp.dir,
    });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /alice@example\.org/);
    assert.equal(existsSync(path.join(site, 'data')), false);
  });

  test('a data directory the user may not write is named with the permission it needs, not an internal error', async () => {
    const locked = path.join(temp.dir, 'locked');
    mkdirSync(locked);
    chmodSync(temp.dir, 0o755);
    // Root ignores permissions: run the CLI as nobody then, as an admin's service user would.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [MAILWARDEN_BIN, ...args], {
          env: {
            PATH: process.env['PATH'] ?? '',
            HOME: '/tmp',
            MAILWARDEN_DATA_DIR: path.join(locked, 'data'),
          },
          cwd: '/',
          stdio: ['ignore', 'ignore', 'pipe'],
          ...asUser,
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
    chmodSync(locked, 0o555);
    const init = await run(['init']);
    assert.equal(init.code, 2, init.stderr);
    assert.ok(init.stderr.includes(`cannot write ${locked}`), init.stderr);
    assert.match(init.stderr, /needs read and write permission/);
    assert.doesNotMatch(init.stderr, /internal error|EACCES|\n\s+at /);

    // The data exists, but the service user cannot write it.
    chmodSync(locked, 0o755);
    assert.equal(
      (await runMailwarden(['init'], { env: { MAILWARDEN_DATA_DIR: path.join(locked, 'data') } })).code,
      0,
    );
    chmodSync(path.join(locked, 'data'), 0o555);
    const list = await run(['user', 'list']);
    assert.equal(list.code, 2, list.stderr);
    assert.match(list.stderr, /cannot write .*data: .*needs read and write permission/);
    assert.doesNotMatch(list.stderr, /internal error/);
  });
});

describe('mailwarden serve and npm start', () => {
  const temp = makeTempDir('mailwarden-process-');
  after(() => temp.remove());

  test('a port already in use stops the start with one line naming the port and the variable that moves it', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const result = await runMailwarden(['serve'], {
        env: {
          MAILWARDEN_DATA_DIR: path.join(temp.dir, 'busy'),
          MAILWARDEN_SMTP_PORT: '0',
          MAILWARDEN_SMTPS_PORT: '0',
          MAILWARDEN_HTTP_PORT: '0',
          MAILWARDEN_POLICY_PORT: String(port),
        },
      });
      assert.notEqual(result.code, 0);
      const problem = result.stderr.split('\n').filter((line) => line.startsWith('mailwarden:'));
      assert.equal(problem.length, 1, result.stderr);
      assert.ok(problem[0]!.includes(`127.0.0.1:${port}`), problem[0]);
      assert.match(problem[0]!, /MAILWARDEN_POLICY_PORT/);
      assert.doesNotMatch(result.stderr, /\n\s+at |"stack"/);
    } finally {
      holder.close();
    }
  });

  test('SIGTERM to `npm start` stops the server: no node process stays behind and every port is free again', async () => {
    const ports = {
      smtp: await freePort(),
      smtps: await freePort(),
      http: await freePort(),
      policy: await freePort(),
    };
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: PACKAGE_DIR,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '/tmp',
        npm_config_update_notifier: 'false',
        MAILWARDEN_DNS_SERVERS: NO_DNS_SERVER,
        MAILWARDEN_DATA_DIR: path.join(temp.dir, 'npm'),
        MAILWARDEN_SMTP_PORT: String(ports.smtp),
        MAILWARDEN_SMTPS_PORT: String(ports.smtps),
        MAILWARDEN_HTTP_PORT: String(ports.http),
        MAILWARDEN_POLICY_PORT: String(ports.policy),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let servers: number[] = [];
    try {
      await waitForOutput(npm, '"mailwarden started"');
      servers = descendants(npm.pid!);
      assert.ok(servers.length > 0, 'npm started a process');
      // 'exit', not 'close': a process left behind would keep npm's output pipes open.
      const exited = new Promise((resolve) => npm.once('exit', resolve));
      npm.kill('SIGTERM');
      await exited;
      const deadline = Date.now() + 15_000;
      while (servers.some(alive) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(servers.filter(alive), [], 'no process of npm start is left running');
      for (const port of Object.values(ports)) assert.ok(await canListen(port), `port ${port} is free again`);
    } finally {
      for (const pid of [...servers, ...descendants(npm.pid!)].filter(alive)) process.kill(pid, 'SIGKILL');
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  });
});

function waitForOutput(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

/** Every process below `pid`, read from /proc (children, their children …). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents)
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
