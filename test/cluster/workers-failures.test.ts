import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from 'selfsigned';
import {
  SENDER,
  type ServedMailwarden,
  sendRecordMessageIds,
  spooledMessageIds,
} from '../support/served-mailwarden.js';
import { api, healthzWorker, logLines, prepareWorkers, workerPids } from '../support/served-workers.js';
import { SmtpDialogue, type SmtpResponse } from '../support/smtp-dialogue.js';
import { waitUntil } from '../support/smtp-load.js';
import { createPostgresDatabase, makeTempDir, type StoreKind, storeKinds } from '../support/test-app.js';

/**
 * The failure paths of `mailwarden serve` with MAILWARDEN_WORKERS=2, in real processes on SQLite and
 * PostgreSQL: a reload reaches every worker, a frozen worker neither blocks a change nor misses it,
 * a lockout and a password change hold on every worker at the next sign-in, and a supervisor killed
 * with SIGKILL takes its workers with it so that every port is free for the next start.
 */
const CAROL = { address: 'carol@example.org', password: 'carol-account-password-123' };
const DAVE = { address: 'dave@example.org', password: 'dave-account-password-123' };
const DAVE_NEW_PASSWORD = 'dave-changed-password-456';
const LOCKOUT_THRESHOLD = 3;
/** Well above the 2 s a teller waits: only a liveness bound, so that a hang fails instead of stalling. */
const BOUND_MS = 30_000;

const line = (response: SmtpResponse) => `${response.code} ${response.text}`;

async function makePair(commonName: string): Promise<{ cert: string; key: string }> {
  const generated = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 86_400_000),
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
  });
  return { cert: generated.cert, key: generated.private };
}

/** An authenticated session over STARTTLS (or implicit TLS on the SMTPS port): its AUTH reply. */
async function signIn(
  port: number,
  user: string,
  password: string,
  implicitTls = false,
): Promise<{ client: SmtpDialogue; auth: SmtpResponse; commonName: string }> {
  const { client } = await SmtpDialogue.connect(port, { implicitTls });
  await client.command('EHLO client.test');
  if (!implicitTls) {
    assert.equal((await client.startTls()).code, 220);
    await client.command('EHLO client.test');
  }
  const commonName = String(client.peerCertificate()?.subject.CN);
  return { client, auth: await client.authPlain(user, password), commonName };
}

/** One message with `recipients` recipients: each RCPT reply and the reply after DATA. */
async function transaction(
  client: SmtpDialogue,
  from: string,
  tag: string,
  recipients = 1,
): Promise<string[]> {
  const replies: string[] = [];
  const mail = await client.command(`MAIL FROM:<${from}>`);
  assert.equal(mail.code, 250, line(mail));
  for (let index = 0; index < recipients; index++)
    replies.push(line(await client.command(`RCPT TO:<${tag}-${index}@customer.test>`)));
  const data = await client.command('DATA');
  assert.equal(data.code, 354, line(data));
  replies.push(
    line(
      await client.command(
        `From: ${from}\r\nTo: ${tag}-0@customer.test\r\nSubject: ${tag}\r\n\r\nhello\r\n.`,
      ),
    ),
  );
  return replies;
}

/** An HTTP agent whose one kept-alive connection is with `worker`. */
async function keptAliveTo(served: ServedMailwarden, worker: number): Promise<http.Agent> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    if ((await healthzThrough(served, agent)) === worker) return agent;
    agent.destroy();
  }
  throw new Error(`no connection reached worker ${worker}`);
}

/** GET /healthz through `agent` (a kept-alive connection stays with the worker that took it). */
async function healthzThrough(served: ServedMailwarden, agent: http.Agent): Promise<number> {
  const { body } = await apiThrough(served, agent, 'GET', '/healthz');
  return (body as { worker: number }).worker;
}

/** An API call with the admin token through `agent`. */
function apiThrough(
  served: ServedMailwarden,
  agent: http.Agent,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? null : JSON.stringify(body);
    const request = http.request(
      {
        host: '127.0.0.1',
        port: served.ports.http,
        path,
        method,
        agent,
        headers: {
          authorization: `Bearer ${served.apiToken}`,
          ...(payload === null ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload ?? undefined);
  });
}

/** The worker of every `msg` line of the log, in order. */
function workersThatLoggedEach(served: ServedMailwarden, msg: string): number[] {
  return logLines(served)
    .filter((entry) => entry['msg'] === msg)
    .map((entry) => entry['worker'] as number);
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);

function canListenOn(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The workers that logged `msg` from line `since` on (optionally only lines `where` accepts). */
function workersThatLogged(
  served: ServedMailwarden,
  since: number,
  msg: string,
  where: (entry: Record<string, unknown>) => boolean = () => true,
): number[] {
  return [
    ...new Set(
      logLines(served)
        .slice(since)
        .filter((entry) => entry['msg'] === msg && where(entry))
        .map((entry) => entry['worker'] as number),
    ),
  ].sort();
}

for (const kind of storeKinds) describe(`two workers on ${kind}: failure paths`, () => failureTests(kind));

function failureTests(kind: StoreKind): void {
  const temp = makeTempDir('mailwarden-workers-tls-');
  const certFile = path.join(temp.dir, 'fullchain.pem');
  const keyFile = path.join(temp.dir, 'privkey.pem');
  const install = (pair: { cert: string; key: string }) => {
    // As certbot's deploy hook does: each file replaced whole (a new name renamed over the old).
    writeFileSync(`${keyFile}.new`, pair.key, { mode: 0o600 });
    writeFileSync(`${certFile}.new`, pair.cert);
    renameSync(`${keyFile}.new`, keyFile);
    renameSync(`${certFile}.new`, certFile);
  };
  let served: ServedMailwarden;
  let database: { url: string; drop(): Promise<void> } | null = null;

  before(async () => {
    database = kind === 'postgres' ? await createPostgresDatabase() : null;
    install(await makePair('before-reload.test'));
    served = await prepareWorkers({
      ...(database ? { databaseUrl: database.url } : {}),
      env: {
        MAILWARDEN_LOG_LEVEL: 'info',
        MAILWARDEN_TLS_CERT_FILE: certFile,
        MAILWARDEN_TLS_KEY_FILE: keyFile,
      },
    });
    for (const [args, input] of [
      [['user', 'add', CAROL.address, '--password-stdin'], `${CAROL.password}\n`],
      [['user', 'add', DAVE.address, '--password-stdin'], `${DAVE.password}\n`],
      [['org', 'set', 'mailSignIn.accountPassword', 'allowed'], ''],
      [['org', 'set', 'lockout.threshold', String(LOCKOUT_THRESHOLD)], ''],
    ] as const) {
      const result = await served.cli(args, input);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    await served.start();
  });
  after(async () => {
    await served?.remove();
    await database?.drop();
    temp.remove();
  });

  test('SIGHUP to the supervisor makes every worker present the new certificate to new TLS sessions (STARTTLS and implicit TLS)', async () => {
    const fromLine = logLines(served).length;
    install(await makePair('after-reload.test'));
    served.child.kill('SIGHUP');
    await waitUntil(
      () => workersThatLogged(served, fromLine, 'tls certificate reloaded').length === 2,
      BOUND_MS,
      'both workers logged the reload',
    );
    // Sessions one after the other: node:cluster hands them to the workers in turn; each sends a
    // message so that its `smtp transaction` line names the worker that served it.
    const sessionsFrom = logLines(served).length;
    for (let attempt = 0; attempt < 12; attempt++) {
      if (attempt >= 4 && workersThatLogged(served, sessionsFrom, 'smtp transaction').length === 2) break;
      const implicitTls = attempt % 2 === 1;
      const port = implicitTls ? served.ports.smtps : served.ports.smtp;
      const { client, auth, commonName } = await signIn(port, SENDER, served.appPassword, implicitTls);
      assert.equal(commonName, 'after-reload.test', `session ${attempt} (implicit TLS: ${implicitTls})`);
      assert.equal(auth.code, 235, line(auth));
      const replies = await transaction(client, SENDER, `reload-${kind}-${attempt}`);
      assert.deepEqual(
        replies.map((reply) => reply.slice(0, 3)),
        ['250', '250'],
      );
      await client.quit();
    }
    assert.deepEqual(workersThatLogged(served, sessionsFrom, 'smtp transaction'), [1, 2]);
  });

  test('a change told while a sibling is frozen (SIGSTOP): the committing call returns, the live worker applies it at once, the frozen one at its first command once resumed', async () => {
    // Sessions opened one at a time, each through a transaction: its log line says which worker has it.
    const byWorker = new Map<number, SmtpDialogue>();
    const opened: SmtpDialogue[] = [];
    try {
      for (let attempt = 0; attempt < 8 && byWorker.size < 2; attempt++) {
        const { client, auth } = await signIn(served.ports.smtp, SENDER, served.appPassword);
        opened.push(client);
        assert.equal(auth.code, 235, line(auth));
        const before = workersThatLoggedEach(served, 'smtp transaction').length;
        await transaction(client, SENDER, `frozen-open-${attempt}`);
        await waitUntil(
          () => workersThatLoggedEach(served, 'smtp transaction').length > before,
          BOUND_MS,
          'the transaction was logged',
        );
        const worker = workersThatLoggedEach(served, 'smtp transaction').at(-1)!;
        if (!byWorker.has(worker)) byWorker.set(worker, client);
      }
      const live = byWorker.get(1);
      const frozen = byWorker.get(2);
      assert.ok(live && frozen, 'a session on each worker');
      // An HTTP connection kept alive on worker 1: the API call that makes the change goes there.
      const agent = await keptAliveTo(served, 1);
      try {
        // Both workers forget the sending policies (a change), then worker 2 reads them again for a
        // message of two recipients, right before it is frozen: its cache is fresh (5 s).
        const reset = await apiThrough(served, agent, 'PUT', '/api/v1/policies/load', { perMessage: 50 });
        assert.equal(reset.status, 200, JSON.stringify(reset.body));
        assert.deepEqual(
          (await transaction(frozen, SENDER, 'frozen-before', 2)).map((reply) => reply.slice(0, 3)),
          ['250', '250', '250'],
        );
        const second = workerPids(served)[1];
        assert.ok(second, 'two workers run');
        process.kill(second, 'SIGSTOP');
        try {
          const changed = await within(
            apiThrough(served, agent, 'PUT', '/api/v1/policies/load', { perMessage: 1 }),
            BOUND_MS,
          );
          assert.notEqual(changed, 'pending', 'the committing call returned while a sibling was frozen');
          assert.equal(changed !== 'pending' && changed.status, 200, JSON.stringify(changed));
          assert.deepEqual(
            (await transaction(live, SENDER, 'frozen-live', 2)).map((reply) => reply.slice(0, 3)),
            ['250', '452', '250'],
            'the live worker applies the change at its next message',
          );
        } finally {
          process.kill(second, 'SIGCONT');
        }
        const resumedFrom = logLines(served).length;
        assert.deepEqual(
          (await transaction(frozen, SENDER, 'frozen-resumed', 2)).map((reply) => reply.slice(0, 3)),
          ['250', '452', '250'],
          'the resumed worker applies the change told while it was frozen (its cached policies forgotten)',
        );
        assert.deepEqual(workersThatLogged(served, resumedFrom, 'smtp transaction'), [2]);
      } finally {
        agent.destroy();
      }
    } finally {
      await Promise.all(opened.map((client) => client.quit()));
    }
    assert.equal(workerPids(served).length, 2, 'no worker was replaced');
  });

  test('failed sign-ins that lock an account out through one worker lock it out on the other at its next sign-in', async () => {
    const fromLine = logLines(served).length;
    // Distinct wrong passwords, one connection each: node:cluster hands them to the workers in turn.
    for (let attempt = 0; attempt < LOCKOUT_THRESHOLD; attempt++) {
      const { client, auth } = await signIn(served.ports.smtp, CAROL.address, `wrong-password-${attempt}`);
      await client.quit();
      assert.equal(auth.code, 535, line(auth));
    }
    const lockedBy = workersThatLogged(
      served,
      fromLine,
      'sign-in failed',
      (entry) => entry['login'] === CAROL.address && entry['reason'] === 'bad-credentials',
    );
    assert.ok(lockedBy.length > 0);
    // The right password, now: refused as locked out on every worker, whichever wrote the lockout.
    const refusedFrom = logLines(served).length;
    for (let attempt = 0; attempt < 6; attempt++) {
      const { client, auth } = await signIn(served.ports.smtp, CAROL.address, CAROL.password);
      await client.quit();
      assert.equal(auth.code, 454, line(auth));
    }
    assert.deepEqual(
      workersThatLogged(
        served,
        refusedFrom,
        'sign-in failed',
        (entry) => entry['login'] === CAROL.address && entry['reason'] === 'locked-out',
      ),
      [1, 2],
    );
  });

  test('after a password change through one worker the old password fails on every worker at its next AUTH, though each had it in its verified-credential cache', async () => {
    // Each worker verifies dave's password once (argon2id) and remembers it; the repeat is a cache hit.
    const warmFrom = logLines(served).length;
    for (let attempt = 0; attempt < 6; attempt++) {
      const { client, auth } = await signIn(served.ports.smtp, DAVE.address, DAVE.password);
      assert.equal(auth.code, 235, line(auth));
      await transaction(client, DAVE.address, `password-warm-${attempt}`);
      await client.quit();
    }
    assert.deepEqual(
      workersThatLogged(served, warmFrom, 'smtp transaction', (entry) => entry['user'] === DAVE.address),
      [1, 2],
    );

    const changed = await api(served, 'PUT', `/api/v1/users/${DAVE.address}/password`, {
      password: DAVE_NEW_PASSWORD,
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const refusedFrom = logLines(served).length;
    for (let attempt = 0; attempt < 6; attempt++) {
      const { client, auth } = await signIn(served.ports.smtp, DAVE.address, DAVE.password);
      await client.quit();
      assert.equal(auth.code, 535, line(auth));
    }
    assert.deepEqual(
      workersThatLogged(
        served,
        refusedFrom,
        'sign-in failed',
        (entry) => entry['login'] === DAVE.address && entry['reason'] === 'bad-credentials',
      ),
      [1, 2],
    );
    const newFrom = logLines(served).length;
    for (let attempt = 0; attempt < 4; attempt++) {
      const { client, auth } = await signIn(served.ports.smtp, DAVE.address, DAVE_NEW_PASSWORD);
      assert.equal(auth.code, 235, line(auth));
      await transaction(client, DAVE.address, `password-new-${attempt}`);
      await client.quit();
    }
    assert.deepEqual(
      workersThatLogged(served, newFrom, 'smtp transaction', (entry) => entry['user'] === DAVE.address),
      [1, 2],
    );
  });

  test('a supervisor killed with SIGKILL: its workers finish the message in flight and stop, every port (SMTP, SMTPS, HTTP, policy) is free, and a new serve starts on them', async () => {
    const pids = workerPids(served);
    assert.equal(pids.length, 2);
    const fromLine = logLines(served).length;
    // A message in flight (half its content sent) and an idle session.
    const messageId = `<after-supervisor-kill-${kind}@example.org>`;
    const inFlight = await signIn(served.ports.smtp, SENDER, served.appPassword);
    assert.equal(inFlight.auth.code, 235, line(inFlight.auth));
    assert.equal((await inFlight.client.command(`MAIL FROM:<${SENDER}>`)).code, 250);
    assert.equal((await inFlight.client.command('RCPT TO:<after-kill@customer.test>')).code, 250);
    assert.equal((await inFlight.client.command('DATA')).code, 354);
    inFlight.client.write(
      `From: ${SENDER}\r\nTo: after-kill@customer.test\r\nMessage-ID: ${messageId}\r\nSubject: in flight\r\n\r\n`,
    );
    const idle = await SmtpDialogue.connect(served.ports.smtp);

    served.child.kill('SIGKILL');
    await waitUntil(
      () =>
        workersThatLogged(
          served,
          fromLine,
          'stopping: no new connections; sessions in flight may finish',
          (entry) => entry['signal'] === 'supervisor',
        ).length === 2,
      BOUND_MS,
      'both workers saw their supervisor gone',
    );
    // Its worker drains: the rest of the content, sent now, completes the message (250 after commit);
    // the idle session's next command is answered 421, as in any drain.
    inFlight.client.write('hello after the supervisor died\r\n.\r\n');
    const accepted = await inFlight.client.read();
    assert.equal(accepted.code, 250, line(accepted));
    assert.equal((await idle.client.command('NOOP')).code, 421);
    await inFlight.client.quit();
    idle.client.destroy();

    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitUntil(() => !pids.some(alive), BOUND_MS, 'the workers of the killed supervisor stopped');
    await served.kill9();
    assert.deepEqual(workersThatLogged(served, fromLine, 'stopped'), [1, 2]);
    for (const [name, port] of Object.entries(served.ports))
      assert.ok(await canListenOn(port), `${name} port ${port} is free`);
    assert.ok(
      spooledMessageIds(served.dataDir).has(messageId),
      'the message accepted in the drain is stored',
    );
    assert.ok((await sendRecordMessageIds(served)).has(messageId), 'and has its Send record');

    await served.start();
    const seen = new Set<number>();
    for (let attempt = 0; attempt < 20 && seen.size < 2; attempt++) seen.add(await healthzWorker(served));
    assert.deepEqual([...seen].sort(), [1, 2]);
    const { client, auth } = await signIn(served.ports.smtps, SENDER, served.appPassword, true);
    assert.equal(auth.code, 235, line(auth));
    await client.quit();
    assert.equal(await served.stop(), 0);
  });
}
