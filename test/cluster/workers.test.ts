import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { WORKER_SEMI_SPACE_MIB } from '../../src/worker-pool.js';
import { runMailwarden } from '../support/cli-process.js';
import { seededRandom } from '../support/seeded-random.js';
import {
  SENDER,
  type ServedMailwarden,
  sendRecordMessageIds,
  spooledMessageIds,
} from '../support/served-mailwarden.js';
import {
  api,
  healthzWorker,
  logLines,
  prepareWorkers,
  workerPids,
  workersThatServedSmtp,
} from '../support/served-workers.js';
import { SmtpDialogue, type SmtpResponse } from '../support/smtp-dialogue.js';
import { startSmtpLoad, waitUntil } from '../support/smtp-load.js';
import { createPostgresDatabase, type StoreKind, storeKinds } from '../support/test-app.js';

/**
 * `mailwarden serve` with MAILWARDEN_WORKERS=2 as an operator runs it: a supervisor and two worker
 * processes sharing the ports, on SQLite and on PostgreSQL. What one worker does or learns, the other
 * acts on at its very next command; what the supervisor is told, it does to both.
 */
const BOB = { address: 'bob@example.org', password: 'bob-account-password-123' };
const HOURLY_REFUSAL_CODE = '550 5.1.90';
const LIMIT = 10;

const line = (response: SmtpResponse) => `${response.code} ${response.text}`;

/** A session of `user` over STARTTLS after its AUTH: the AUTH reply and the session. */
async function signIn(port: number, user: string, password: string) {
  const { client } = await SmtpDialogue.connect(port);
  await client.command('EHLO client.test');
  assert.equal((await client.startTls()).code, 220);
  await client.command('EHLO client.test');
  return { client, auth: await client.authPlain(user, password) };
}

async function sendData(client: SmtpDialogue, subject: string, from = BOB.address): Promise<SmtpResponse> {
  const data = await client.command('DATA');
  assert.equal(data.code, 354, line(data));
  return client.command(
    `From: ${from}\r\nTo: someone@customer.test\r\nSubject: ${subject}\r\n\r\nPlease pay the invoice.\r\n.`,
  );
}

test('MAILWARDEN_WORKERS that is neither auto nor 1 to 64 stops serve at start with the accepted values named', async () => {
  for (const value of ['abc', '0', '65', '1.5']) {
    const result = await runMailwarden(['serve'], { env: { MAILWARDEN_WORKERS: value } });
    assert.equal(result.code, 2, `${value}: ${result.stderr}`);
    assert.match(result.stderr, /workers: must be auto \(one per core\) or a whole number from 1 to 64/);
    assert.ok(result.stderr.includes(`(got "${value}")`), result.stderr);
  }
});

for (const kind of storeKinds) describe(`two workers on ${kind}`, () => workerTests(kind));

function workerTests(kind: StoreKind): void {
  let served: ServedMailwarden;
  let database: { url: string; drop(): Promise<void> } | null = null;

  before(async () => {
    database = kind === 'postgres' ? await createPostgresDatabase() : null;
    served = await prepareWorkers({
      ...(database ? { databaseUrl: database.url } : {}),
      env: { MAILWARDEN_LOG_LEVEL: 'info' },
    });
    // bob signs in with his account password and may send LIMIT external recipients an hour.
    for (const [args, input] of [
      [['user', 'add', BOB.address, '--password-stdin'], `${BOB.password}\n`],
      [['org', 'set', 'mailSignIn.accountPassword', 'allowed'], ''],
      [
        [
          'policy',
          'set',
          'limited',
          '--users',
          BOB.address,
          '--external-per-hour',
          String(LIMIT),
          '--per-minute',
          '1000',
          '--per-day',
          '10000',
          '--action',
          'restrict',
        ],
        '',
      ],
    ] as const) {
      const result = await served.cli(args, input);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    }
    await served.start();
  });
  after(async () => {
    await served?.remove();
    await database?.drop();
  });

  test('both workers answer on the shared ports: /healthz names each', async () => {
    const seen = new Set<number>();
    for (let attempt = 0; attempt < 40 && seen.size < 2; attempt++) seen.add(await healthzWorker(served));
    assert.deepEqual([...seen].sort(), [1, 2]);
    assert.equal(workerPids(served).length, 2);
  });

  test('every worker starts with the young-generation cap of the memory target; the supervisor without it', () => {
    const argv = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const cap = `--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`;
    for (const pid of workerPids(served)) assert.ok(argv(pid).includes(cap), argv(pid).join(' '));
    assert.ok(!argv(served.child.pid!).includes(cap));
  });

  test('a worker killed with SIGKILL under load is replaced; every 250 is a stored message with its Send record, and the audit chain verifies', async () => {
    const fromLine = logLines(served).length;
    const load = startSmtpLoad({
      port: served.ports.smtp,
      clients: 6,
      user: SENDER,
      password: served.appPassword,
      random: seededRandom(22),
      idPrefix: `workers-${kind}`,
    });
    await waitUntil(() => load.outcome.accepted.length >= 40, 60_000, 'messages accepted before the kill');
    const [, victim] = workerPids(served);
    assert.ok(victim, 'two workers run');
    process.kill(victim, 'SIGKILL');
    await waitUntil(
      () => logLines(served).some((entry) => entry['msg'] === 'worker replaced'),
      60_000,
      'the supervisor replaced the killed worker',
    );
    const acceptedAtReplacement = load.outcome.accepted.length;
    await waitUntil(
      () => load.outcome.accepted.length >= acceptedAtReplacement + 40,
      60_000,
      'messages accepted after the replacement',
    );
    const outcome = await load.stop();

    const pids = workerPids(served);
    assert.equal(pids.length, 2, 'two workers run again');
    assert.ok(!pids.includes(victim));
    assert.deepEqual([...workersThatServedSmtp(served, fromLine)].sort(), [1, 2]);
    const spooled = spooledMessageIds(served.dataDir);
    const recorded = await sendRecordMessageIds(served);
    const missing = outcome.accepted.filter((id) => !spooled.has(id) || !recorded.has(id));
    assert.deepEqual(missing, [], 'an accepted message without its spool file or Send record');
    const verified = await served.cli(['audit', 'verify']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  test(`sessions on both workers reaching bob's limit together accept exactly ${LIMIT} recipients; the restriction then refuses MAIL FROM on every worker`, async () => {
    const fromLine = logLines(served).length;
    const sessions = await Promise.all(
      Array.from({ length: LIMIT + 4 }, () => signIn(served.ports.smtp, BOB.address, BOB.password)),
    );
    for (const { auth } of sessions) assert.equal(auth.code, 235, line(auth));
    const clients = sessions.map((session) => session.client);
    const mail = await Promise.all(clients.map((client) => client.command(`MAIL FROM:<${BOB.address}>`)));
    for (const reply of mail) assert.equal(reply.code, 250, line(reply));
    const rcpt = await Promise.all(
      clients.map((client, index) => client.command(`RCPT TO:<r${index}@customer.test>`)),
    );
    const accepted = clients.filter((_, index) => rcpt[index]!.code === 250);
    const refused = rcpt.filter((reply) => reply.code !== 250).map(line);
    assert.equal(accepted.length, LIMIT, refused.join('\n'));
    for (const refusal of refused) assert.ok(refusal.startsWith(HOURLY_REFUSAL_CODE), refusal);
    const data = await Promise.all(accepted.map((client, index) => sendData(client, `limit ${index}`)));
    for (const reply of data) assert.equal(reply.code, 250, line(reply));
    await Promise.all(clients.map((client) => client.quit()));
    assert.deepEqual([...workersThatServedSmtp(served, fromLine)].sort(), [1, 2]);

    // Reaching the limit restricted bob (action restrict), written by whichever worker got there.
    const restrictedFrom = logLines(served).length;
    const after = await Promise.all(
      Array.from({ length: 6 }, () => signIn(served.ports.smtp, BOB.address, BOB.password)),
    );
    const replies = await Promise.all(
      after.map(({ client }) => client.command(`MAIL FROM:<${BOB.address}>`)),
    );
    await Promise.all(after.map(({ client }) => client.quit()));
    for (const reply of replies) assert.equal(`${reply.code}`, '550', line(reply));
    assert.deepEqual([...workersThatServedSmtp(served, restrictedFrom)].sort(), [1, 2]);
  });

  test('an org setting changed through one worker’s API holds for the next sign-in on every worker', async () => {
    // Both workers read the setting now (their 1-second snapshot holds "allowed").
    const warm = await Promise.all(
      Array.from({ length: 6 }, () => signIn(served.ports.smtp, BOB.address, BOB.password)),
    );
    await Promise.all(warm.map(({ client }) => client.quit()));
    for (const { auth } of warm) assert.equal(auth.code, 235, line(auth));

    const fromLine = logLines(served).length;
    const changed = await api(served, 'PATCH', '/api/v1/org/settings', {
      'mailSignIn.accountPassword': 'app-passwords-only',
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const sessions = await Promise.all(
      Array.from({ length: 8 }, () => signIn(served.ports.smtp, BOB.address, BOB.password)),
    );
    await Promise.all(sessions.map(({ client }) => client.quit()));
    for (const { auth } of sessions) assert.equal(auth.code, 534, line(auth));
    const refusedBy = new Set(
      logLines(served)
        .slice(fromLine)
        .filter((entry) => entry['msg'] === 'sign-in failed' && entry['login'] === BOB.address)
        .map((entry) => entry['worker']),
    );
    assert.deepEqual([...refusedBy].sort(), [1, 2]);
  });

  test('a sending policy changed through one worker’s API holds for the next message on every worker (its 5-second cache included)', async () => {
    // Sessions of alice on both workers, each through a whole transaction: both workers hold her
    // policy (two recipients a message allowed) in their cache now.
    const sessions = await Promise.all(
      Array.from({ length: 6 }, () => signIn(served.ports.smtp, SENDER, served.appPassword)),
    );
    for (const { auth } of sessions) assert.equal(auth.code, 235, line(auth));
    const clients = sessions.map((session) => session.client);
    // A whole transaction: the 250 after DATA is logged with the worker that served it.
    const transaction = (tag: string) =>
      Promise.all(
        clients.map(async (client, index) => {
          assert.equal((await client.command(`MAIL FROM:<${SENDER}>`)).code, 250);
          const first = await client.command(`RCPT TO:<${tag}${index}a@customer.test>`);
          const second = await client.command(`RCPT TO:<${tag}${index}b@customer.test>`);
          const sent = await sendData(client, `${tag} ${index}`, SENDER);
          return [first, second, sent].map(line);
        }),
      );
    const fromLine = logLines(served).length;
    for (const replies of await transaction('before'))
      assert.deepEqual(
        replies.map((r) => r.slice(0, 3)),
        ['250', '250', '250'],
      );
    assert.deepEqual([...workersThatServedSmtp(served, fromLine)].sort(), [1, 2]);

    const changed = await api(served, 'PUT', '/api/v1/policies/load', { perMessage: 1 });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const changedFrom = logLines(served).length;
    const replies = await transaction('after');
    await Promise.all(clients.map((client) => client.quit()));
    for (const reply of replies)
      assert.deepEqual(
        reply.map((r) => r.slice(0, 3)),
        ['250', '452', '250'],
        reply.join(' | '),
      );
    assert.deepEqual([...workersThatServedSmtp(served, changedFrom)].sort(), [1, 2]);
  });

  test('SIGTERM to the supervisor stops every worker cleanly: exit status 0, no worker left', async () => {
    const pids = workerPids(served);
    assert.equal(await served.stop(), 0);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), 'the worker is gone');
    const stopped = logLines(served).filter((entry) => entry['msg'] === 'stopped');
    assert.equal(stopped.length, 3, 'two workers and the supervisor each logged their stop');
  });
}
