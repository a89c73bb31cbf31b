import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { freePort, NO_DNS_SERVER } from '../support/cli-process.js';
import {
  buildImage,
  missingPodman,
  podman,
  podmanOk,
  publishedPort,
  stageBuildContext,
  waitHealthy,
} from '../support/podman.js';
import { createPostgresDatabase, makeTempDir, runAdminSql } from '../support/test-app.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const missing = missingPodman();
const skip = missing ? `not available: ${missing}` : false;

// Names of this run only: other checkouts on the machine may run the same test at the same time.
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const TAG = `localhost/mailwarden-test:${RUN}`;
const DATA = '/var/lib/mailwarden';
const ALICE = 'alice@example.org';

function submit(port: number, pass: string, subject: string) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: ALICE, pass },
  });
  return transport.sendMail({ from: ALICE, to: 'bob@customer.test', subject, text: 'through the container' });
}

/** `mailwarden …` inside the running container, as its image user (`podman exec`). */
function cli(name: string, args: readonly string[], input?: string) {
  if (input === undefined) return podmanOk(['exec', name, 'mailwarden', ...args]);
  return podmanOk(['exec', '-i', name, 'mailwarden', ...args], { input });
}

/** Adds example.org and Alice, and returns an SMTP app password for her (printed once by the CLI). */
async function aliceWithAppPassword(name: string): Promise<string> {
  await cli(name, ['domain', 'add', 'example.org']);
  await cli(
    name,
    ['user', 'add', ALICE, '--name', 'Alice', '--password-stdin'],
    'correct horse battery staple\n',
  );
  const password = (
    await cli(name, ['app-password', 'create', ALICE, '--name', 'laptop', '--scope', 'smtp'])
  ).trim();
  assert.match(password, /^[a-z0-9-]{20,}$/);
  return password;
}

/** podman stop (the image's STOPSIGNAL, SIGTERM) and the exit code and log of the container. */
async function stopWithSigterm(name: string): Promise<{ exitCode: number; log: string }> {
  await podmanOk(['stop', '--time', '30', name], { timeoutMs: 60_000 });
  const exitCode = Number((await podmanOk(['inspect', '--format', '{{.State.ExitCode}}', name])).trim());
  const logs = await podman(['logs', name]);
  return { exitCode, log: logs.stderr + logs.stdout };
}

describe('the container image (Dockerfile, built and run with Podman)', { skip }, () => {
  const containers: string[] = [];
  const volumes: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let built = false;
  const context = makeTempDir('mailwarden-container-context-');
  after(async () => {
    context.remove();
    for (const name of containers) await podman(['rm', '--force', '--volumes', '--time', '0', name]);
    for (const volume of volumes) await podman(['volume', 'rm', '--force', volume]);
    for (const cleanup of cleanups) await cleanup();
    // Only the tag: the layers stay in Podman's cache, so the next run builds in seconds.
    if (built) await podman(['rmi', TAG]);
  });

  test('builds from the Dockerfile with no registry (local base), in the Docker format that keeps the HEALTHCHECK', {
    timeout: 1_500_000,
  }, async () => {
    stageBuildContext(REPO, context.dir);
    const result = await buildImage(context.dir, TAG);
    assert.equal(result.code, 0, `podman build failed:\n${result.stderr.slice(-6000)}`);
    built = true;
    const [image] = JSON.parse(await podmanOk(['image', 'inspect', TAG])) as {
      Config: {
        User?: string;
        Volumes?: Record<string, unknown>;
        ExposedPorts?: Record<string, unknown>;
        Env?: string[];
        StopSignal?: string;
        Entrypoint?: string[];
        Cmd?: string[];
      };
      Healthcheck?: { Test?: string[] };
    }[];
    assert.ok(image);
    assert.equal(image.Config.User, 'mailwarden');
    assert.deepEqual(Object.keys(image.Config.Volumes ?? {}), [DATA]);
    assert.deepEqual(Object.keys(image.Config.ExposedPorts ?? {}).sort(), [
      '10040/tcp',
      '2465/tcp',
      '2587/tcp',
      '8025/tcp',
    ]);
    assert.ok(image.Config.Env?.includes(`MAILWARDEN_DATA_DIR=${DATA}`));
    assert.equal(image.Config.StopSignal, 'SIGTERM');
    assert.deepEqual(image.Config.Cmd, ['serve']);
    assert.match(image.Healthcheck?.Test?.join(' ') ?? '', /\/healthz/);
  });

  test('the runtime stage holds Node.js 20 and the built app, and no compiler, npm or sources', async () => {
    assert.ok(built, 'built by the previous test');
    const out = await podmanOk([
      'run',
      '--rm',
      '--network=none',
      '--entrypoint',
      'sh',
      TAG,
      '-c',
      'node --version; for tool in g++ cc make python3 npm; do command -v $tool || echo "no $tool"; done; ' +
        'ls /opt/mailwarden; ls /opt/mailwarden/node_modules/better-sqlite3/build/Release; test -e /opt/mailwarden/src && echo has-src || true',
    ]);
    assert.match(out, /^v20\./);
    for (const tool of ['g++', 'cc', 'make', 'python3', 'npm'])
      assert.match(out, new RegExp(`^no ${tool.replace('+', '\\+')}$`, 'm'));
    assert.match(out, /^dist$/m);
    assert.match(out, /^better_sqlite3\.node$/m);
    assert.doesNotMatch(out, /has-src|typescript/);
  });

  let appPassword = '';
  const volume = `mailwarden-test-data-${RUN}`;

  test('on SQLite (the default) it runs as a non-root user, turns healthy, takes a message over STARTTLS into the volume, and exits 0 on SIGTERM', {
    timeout: 300_000,
  }, async () => {
    assert.ok(built, 'built by the first test');
    await podmanOk(['volume', 'create', volume]);
    volumes.push(volume);
    const name = `mailwarden-test-sqlite-${RUN}`;
    containers.push(name);
    // The image's own listen address (0.0.0.0) and ports; Podman publishes them on free loopback ports.
    await podmanOk([
      'run',
      '--detach',
      '--name',
      name,
      '--env',
      `MAILWARDEN_DNS_SERVERS=${NO_DNS_SERVER}`,
      '--volume',
      `${volume}:${DATA}`,
      '--publish',
      '127.0.0.1::2587',
      '--publish',
      '127.0.0.1::8025',
      TAG,
    ]);
    await waitHealthy(name);
    const http = await publishedPort(name, 8025);
    const health = await fetch(`http://127.0.0.1:${http}/healthz`);
    assert.equal(health.status, 200);
    assert.match(await health.text(), /ok/);

    // Not root: the server process (PID 1 in the container) and the CLI run as the image's user.
    const ids = await podmanOk([
      'exec',
      name,
      'sh',
      '-c',
      "id -un; awk '/^Uid:/ { print $2 }' /proc/1/status",
    ]);
    assert.deepEqual(ids.trim().split('\n'), ['mailwarden', '10001']);

    appPassword = await aliceWithAppPassword(name);
    const smtp = await publishedPort(name, 2587);
    const info = await submit(smtp, appPassword, 'Hello from the container');
    assert.match(info.response, /^250 /);
    // A wrong password is refused, as on the host.
    await assert.rejects(
      submit(smtp, 'not-the-app-password', 'refused'),
      (error: { responseCode?: number }) => {
        assert.equal(error.responseCode, 535);
        return true;
      },
    );

    // The data lands in the volume, on the host, owned by the image's user: the database and the
    // spooled message.
    const mountpoint = (await podmanOk(['volume', 'inspect', '--format', '{{.Mountpoint}}', volume])).trim();
    assert.equal(statSync(mountpoint).uid, 10001);
    assert.equal(statSync(mountpoint).mode & 0o777, 0o700);
    assert.ok(statSync(path.join(mountpoint, 'mailwarden.sqlite')).isFile());
    const spooled = readdirSync(path.join(mountpoint, 'spool')).filter((file) => file.endsWith('.eml'));
    assert.equal(spooled.length, 1);
    const message = path.join(mountpoint, 'spool', spooled[0] ?? '');
    assert.equal(statSync(message).uid, 10001);
    assert.match(readFileSync(message, 'utf8'), /^Subject: Hello from the container$/m);

    const stopped = await stopWithSigterm(name);
    assert.match(stopped.log, /"msg":"stopping: no new connections[^"]*","signal":"SIGTERM"/);
    assert.match(stopped.log, /"msg":"stopped"/);
    assert.equal(stopped.exitCode, 0, stopped.log);
  });

  test('a new container on the same volume keeps the users and the spool: the app password still works', {
    timeout: 300_000,
  }, async () => {
    assert.ok(appPassword, 'made by the previous test');
    const name = `mailwarden-test-again-${RUN}`;
    containers.push(name);
    await podmanOk([
      'run',
      '--detach',
      '--name',
      name,
      '--env',
      `MAILWARDEN_DNS_SERVERS=${NO_DNS_SERVER}`,
      '--volume',
      `${volume}:${DATA}`,
      '--publish',
      '127.0.0.1::2587',
      TAG,
    ]);
    await waitHealthy(name);
    const info = await submit(await publishedPort(name, 2587), appPassword, 'After a new container');
    assert.match(info.response, /^250 /);
    const spool = await podmanOk(['exec', name, 'sh', '-c', `ls ${DATA}/spool/*.eml | wc -l`]);
    assert.equal(spool.trim(), '2');
    const stopped = await stopWithSigterm(name);
    assert.equal(stopped.exitCode, 0, stopped.log);
  });

  test('on PostgreSQL it migrates an empty database, records the Send there, and its HEALTHCHECK fails while the database refuses connections', {
    timeout: 300_000,
  }, async () => {
    assert.ok(built, 'built by the first test');
    const database = await createPostgresDatabase();
    cleanups.push(() => database.drop());
    const dbName = new URL(database.url).pathname.slice(1);
    const name = `mailwarden-test-pg-${RUN}`;
    containers.push(name);
    // The machine's PostgreSQL listens on 127.0.0.1 only: the container shares the host's network
    // (its own listen address and free ports then, since other tests hold the defaults).
    const [smtp, http] = [await freePort(), await freePort()];
    await podmanOk([
      'run',
      '--detach',
      '--name',
      name,
      '--network=host',
      '--env',
      `MAILWARDEN_DATABASE_URL=${database.url}`,
      '--env',
      'MAILWARDEN_LISTEN=127.0.0.1',
      '--env',
      `MAILWARDEN_SMTP_PORT=${smtp}`,
      '--env',
      `MAILWARDEN_HTTP_PORT=${http}`,
      '--env',
      'MAILWARDEN_SMTPS_ENABLED=false',
      '--env',
      'MAILWARDEN_POLICY_ENABLED=false',
      '--env',
      `MAILWARDEN_DNS_SERVERS=${NO_DNS_SERVER}`,
      TAG,
    ]);
    await waitHealthy(name);
    const password = await aliceWithAppPassword(name);
    const info = await submit(smtp, password, 'Recorded in PostgreSQL');
    assert.match(info.response, /^250 /);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const sends = await client.query<{ subject: string }>(
        "SELECT subject FROM audit_log WHERE operation = 'Send' AND mailbox = $1",
        [ALICE],
      );
      assert.deepEqual(
        sends.rows.map((row) => row.subject),
        ['Recorded in PostgreSQL'],
      );
    } finally {
      await client.end();
    }

    // The database goes away: /healthz answers 503 and the image's HEALTHCHECK reports it.
    await runAdminSql(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
    await runAdminSql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${dbName}'`);
    const check = await podman(['healthcheck', 'run', name]);
    assert.notEqual(check.code, 0, `healthcheck passed with the database away: ${check.stdout}`);
    assert.match(check.stdout + check.stderr, /unhealthy/);
    await runAdminSql(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`);
    await waitHealthy(name);

    const stopped = await stopWithSigterm(name);
    assert.equal(stopped.exitCode, 0, stopped.log);
  });
});
