import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type App, buildApp } from '../../src/app.js';
import { RESERVATION_TTL_MS } from '../../src/outbound/index.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { SmtpDialogue, type SmtpResponse } from '../support/smtp-dialogue.js';
import { addUser, createPostgresDatabase, makeTempDir, testConfig } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';

const ALICE = { address: 'alice@example.org', password: 'alice-password-123' };
const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
const HOURLY_REFUSAL =
  "550 5.1.90 Your message can't be sent because you've reached your hourly limit for message recipients";
const START = Date.parse('2026-12-07T10:00:30Z');

type Upstream = Awaited<ReturnType<typeof startUpstreamServer>>;

interface Instance {
  app: App;
  server: RunningServer;
  smtpPort: number;
  stop(): Promise<void>;
}

/** One Mailwarden (server and SMTP on a free port), on a database others may share. */
async function startInstance(options: {
  databaseUrl: string | null;
  dataDir?: string;
  upstream: Upstream;
  clock?: ReturnType<typeof createManualClock>;
  overrides?: Record<string, unknown>;
}): Promise<Instance & { dataDir: string; removeDir(): void }> {
  const temp = options.dataDir ? null : makeTempDir();
  const dataDir = options.dataDir ?? temp!.dir;
  const config = testConfig({
    dataDir,
    databaseUrl: options.databaseUrl,
    overrides: {
      'http.enabled': false,
      'relay.url': `smtp://127.0.0.1:${options.upstream.port}`,
      'relay.timeoutMs': 5000,
      'shutdown.graceMs': 2000,
      ...options.overrides,
    },
  });
  const app = await buildApp(config, { logger: silentLogger, clock: options.clock });
  const server = await startServer(app);
  return {
    app,
    server,
    dataDir,
    smtpPort: server.smtpPorts().find((port) => port.mode === 'starttls')?.port ?? 0,
    async stop() {
      await server.stop();
    },
    removeDir: () => temp?.remove(),
  };
}

/** alice, who may use her account password on SMTP, under a policy of `externalPerHour` (restrict). */
async function prepareAccount(
  app: App,
  externalPerHour: number,
  more: { spamAction?: 'hold' | 'reject'; spamScore?: number } = {},
): Promise<void> {
  await addUser(app, ALICE.address, ALICE.password);
  const changed = await app.settings.change({ 'mailSignIn.accountPassword': 'allowed' }, admin);
  assert.ok(changed.ok);
  const set = await app.outbound.setPolicy(
    'default',
    { settings: { externalPerHour, perMinute: 1000, perDay: 10_000, action: 'restrict', ...more } },
    admin,
  );
  assert.ok(set.ok, JSON.stringify(set));
}

/** A signed-in session of alice over STARTTLS, ready for MAIL FROM. */
async function signedInSession(port: number): Promise<SmtpDialogue> {
  const { client } = await SmtpDialogue.connect(port);
  await client.command('EHLO client.test');
  assert.equal((await client.startTls()).code, 220);
  await client.command('EHLO client.test');
  const auth = await client.authPlain(ALICE.address, ALICE.password);
  assert.equal(auth.code, 235, auth.text);
  return client;
}

const line = (response: SmtpResponse) => `${response.code} ${response.text}`;

async function sendData(client: SmtpDialogue, subject: string): Promise<SmtpResponse> {
  const data = await client.command('DATA');
  assert.equal(data.code, 354);
  return client.command(
    `From: ${ALICE.address}\r\nTo: someone@customer.test\r\nSubject: ${subject}\r\n\r\nPlease pay the invoice.\r\n.`,
  );
}

/**
 * Every session says MAIL FROM together, then one RCPT each together, then DATA where the RCPT was
 * accepted: the moment the limit is decided, every session is mid-transaction at once.
 */
async function burst(clients: readonly SmtpDialogue[], tag: string) {
  const mail = await Promise.all(clients.map((client) => client.command(`MAIL FROM:<${ALICE.address}>`)));
  for (const reply of mail) assert.equal(reply.code, 250, line(reply));
  const rcpt = await Promise.all(
    clients.map((client, index) => client.command(`RCPT TO:<r${index}-${tag}@customer.test>`)),
  );
  const accepted = clients.filter((_, index) => rcpt[index]!.code === 250);
  const data = await Promise.all(accepted.map((client, index) => sendData(client, `${tag} ${index}`)));
  for (const reply of data) assert.equal(reply.code, 250, line(reply));
  return { accepted: accepted.length, refusals: rcpt.filter((reply) => reply.code !== 250).map(line) };
}

async function reservationRows(app: App): Promise<number> {
  const row = await app.store.db
    .selectFrom('send_reservations')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

async function sentRecipients(app: App): Promise<number> {
  const row = await app.store.db
    .selectFrom('send_counters')
    .select((eb) => eb.fn.sum<number | string>('external_recipients').as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

describe('sending limits are exact under concurrency', () => {
  test('three sessions at 9 of 10 together: exactly one more recipient is accepted, the others get 550 5.1.90', async () => {
    const upstream = await startUpstreamServer();
    const instance = await startInstance({ databaseUrl: null, upstream });
    try {
      await prepareAccount(instance.app, 10);
      const first = await signedInSession(instance.smtpPort);
      assert.equal((await first.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
      for (let index = 0; index < 9; index++)
        assert.equal((await first.command(`RCPT TO:<early${index}@customer.test>`)).code, 250);
      assert.equal((await sendData(first, 'first nine')).code, 250);
      await first.quit();

      const clients = await Promise.all([1, 2, 3].map(() => signedInSession(instance.smtpPort)));
      const outcome = await burst(clients, 'together');
      await Promise.all(clients.map((client) => client.quit()));
      assert.equal(outcome.accepted, 1);
      assert.deepEqual(outcome.refusals, [HOURLY_REFUSAL, HOURLY_REFUSAL]);
      assert.equal(await sentRecipients(instance.app), 10);
      assert.equal(upstream.received.length, 2);
      assert.equal(await reservationRows(instance.app), 0, 'every reservation became a count or went back');
    } finally {
      await instance.stop();
      await instance.app.close();
      instance.removeDir();
      await upstream.stop();
    }
  });

  test('three instances on one PostgreSQL, twelve sessions against a limit of 10: exactly 10 are sent', async () => {
    const upstream = await startUpstreamServer();
    const database = await createPostgresDatabase();
    const instances: Awaited<ReturnType<typeof startInstance>>[] = [];
    try {
      // One after another: each start runs the migrations.
      for (let index = 0; index < 3; index++)
        instances.push(await startInstance({ databaseUrl: database.url, upstream }));
      await prepareAccount(instances[0]!.app, 10);
      const clients = await Promise.all(
        Array.from({ length: 12 }, (_, index) => signedInSession(instances[index % 3]!.smtpPort)),
      );
      const outcome = await burst(clients, 'cluster');
      await Promise.all(clients.map((client) => client.quit()));
      assert.equal(outcome.accepted, 10);
      assert.deepEqual(outcome.refusals, [HOURLY_REFUSAL, HOURLY_REFUSAL]);
      assert.equal(upstream.received.length, 10);
      assert.equal(await sentRecipients(instances[0]!.app), 10);
      // Every instance sees the account restricted now: the next MAIL FROM anywhere is 550 5.1.8.
      for (const instance of instances) {
        const client = await signedInSession(instance.smtpPort);
        assert.equal(
          line(await client.command(`MAIL FROM:<${ALICE.address}>`)),
          '550 5.1.8 Access denied, bad outbound sender',
        );
        await client.quit();
      }
      assert.equal(await reservationRows(instances[0]!.app), 0);
    } finally {
      for (const instance of instances) {
        await instance.stop();
        await instance.app.close();
        instance.removeDir();
      }
      await database.drop();
      await upstream.stop();
    }
  });

  for (const ending of ['RSET', 'QUIT', 'connection lost'] as const) {
    test(`recipients reserved by a transaction that ends unsent (${ending}) are given back`, async () => {
      const upstream = await startUpstreamServer();
      const instance = await startInstance({ databaseUrl: null, upstream });
      try {
        await prepareAccount(instance.app, 2);
        const holder = await signedInSession(instance.smtpPort);
        assert.equal((await holder.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
        assert.equal((await holder.command('RCPT TO:<a@customer.test>')).code, 250);
        assert.equal((await holder.command('RCPT TO:<b@customer.test>')).code, 250);
        assert.equal(await reservationRows(instance.app), 1);
        if (ending === 'RSET') assert.equal((await holder.command('RSET')).code, 250);
        else if (ending === 'QUIT') await holder.quit();
        else holder.destroy();
        await waitForNoReservation(instance.app);

        // Both recipients are free again: a second session sends to two.
        const sender = await signedInSession(instance.smtpPort);
        assert.equal((await sender.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
        assert.equal((await sender.command('RCPT TO:<c@customer.test>')).code, 250);
        assert.equal((await sender.command('RCPT TO:<d@customer.test>')).code, 250);
        assert.equal((await sendData(sender, `after ${ending}`)).code, 250);
        await sender.quit();
        await holder.quit();
        assert.equal(await sentRecipients(instance.app), 2);
        assert.deepEqual(await instance.app.outbound.listRestricted(), []);
      } finally {
        await instance.stop();
        await instance.app.close();
        instance.removeDir();
        await upstream.stop();
      }
    });
  }

  test('a message the relay could not take gives back its recipients with its 4xx reply', async () => {
    const upstream = await startUpstreamServer();
    const instance = await startInstance({ databaseUrl: null, upstream });
    try {
      await prepareAccount(instance.app, 2);
      const client = await signedInSession(instance.smtpPort);
      assert.equal((await client.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
      assert.equal((await client.command('RCPT TO:<a@customer.test>')).code, 250);
      assert.equal((await client.command('RCPT TO:<b@customer.test>')).code, 250);
      await upstream.stop();
      const reply = await sendData(client, 'relay down');
      assert.equal(reply.code, 451, line(reply));
      assert.equal(await reservationRows(instance.app), 0, 'given back before the reply');
      assert.equal(await sentRecipients(instance.app), 0);
      await client.quit();
    } finally {
      await instance.stop();
      await instance.app.close();
      instance.removeDir();
    }
  });

  /** Mailwarden's own analysers score this 6 (PHISHING_PHRASE 4 + URGENCY_PHRASE 2). */
  const LURE =
    'Your password expires today. Verify your account now or it will be suspended. Act now, urgent.';
  const refusals = [
    { refusal: 'refused as spam (554 5.7.1)', code: 554, spam: true },
    { refusal: 'refused by the relay at DATA (554)', code: 554, relayRefuses: true },
    { refusal: 'too big (552)', code: 552, tooBig: true },
  ] as const;
  for (const kind of refusals) {
    test(`a message ${kind.refusal} after its RCPTs gives back its recipients before the reply: nothing is charged to the account`, async () => {
      const upstream = await startUpstreamServer();
      const instance = await startInstance({
        databaseUrl: null,
        upstream,
        overrides: 'tooBig' in kind ? { 'smtp.maxMessageBytes': 4096 } : {},
      });
      try {
        await prepareAccount(instance.app, 2, 'spam' in kind ? { spamAction: 'reject', spamScore: 5 } : {});
        if ('relayRefuses' in kind) upstream.setMode('refuse');
        const client = await signedInSession(instance.smtpPort);
        assert.equal((await client.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
        assert.equal((await client.command('RCPT TO:<a@customer.test>')).code, 250);
        assert.equal((await client.command('RCPT TO:<b@customer.test>')).code, 250);
        assert.equal(await reservationRows(instance.app), 1);
        const data = await client.command('DATA');
        assert.equal(data.code, 354);
        const body = 'tooBig' in kind ? 'x'.repeat(76).concat('\r\n').repeat(80) : `${LURE}\r\n`;
        const reply = await client.command(
          `From: ${ALICE.address}\r\nTo: a@customer.test\r\nSubject: refused\r\n\r\n${body}.`,
        );
        assert.equal(reply.code, kind.code, line(reply));
        assert.equal(await reservationRows(instance.app), 0, 'given back before the reply');
        assert.equal(await sentRecipients(instance.app), 0, 'not charged');

        // Both recipients are free again: the same session sends a clean message to two.
        upstream.setMode('accept');
        assert.equal((await client.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
        assert.equal((await client.command('RCPT TO:<c@customer.test>')).code, 250);
        assert.equal((await client.command('RCPT TO:<d@customer.test>')).code, 250);
        assert.equal((await sendData(client, 'after the refusal')).code, 250);
        await client.quit();
        assert.equal(await sentRecipients(instance.app), 2);
        assert.deepEqual(await instance.app.outbound.listRestricted(), []);
      } finally {
        await instance.stop();
        await instance.app.close();
        instance.removeDir();
        await upstream.stop();
      }
    });
  }

  test('reservations of a process that died still count after the restart, and expire', async () => {
    const upstream = await startUpstreamServer();
    const clock = createManualClock(START);
    const dir = makeTempDir();
    const first = await startInstance({ databaseUrl: null, dataDir: dir.dir, upstream, clock });
    let second: Awaited<ReturnType<typeof startInstance>> | null = null;
    try {
      await prepareAccount(first.app, 3);
      const user = await first.app.directory.findUser(ALICE.address);
      assert.ok(user);
      // A message mid-transaction when the process dies: two recipients reserved, never given back.
      const begun = await first.app.outbound.beginMessage({ id: user.id, address: user.address });
      assert.ok(begun.ok);
      assert.deepEqual(await begun.budget.checkRecipient('x@customer.test'), { ok: true });
      assert.deepEqual(await begun.budget.checkRecipient('y@customer.test'), { ok: true });
      await first.stop();
      await first.app.close();

      second = await startInstance({ databaseUrl: null, dataDir: dir.dir, upstream, clock });
      assert.equal(await reservationRows(second.app), 1);
      const client = await signedInSession(second.smtpPort);
      assert.equal((await client.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
      assert.equal((await client.command('RCPT TO:<one@customer.test>')).code, 250);
      assert.equal((await sendData(client, 'the third')).code, 250);
      // 1 sent + 2 still reserved by the dead process = the limit of 3.
      assert.equal((await client.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
      assert.equal(line(await client.command('RCPT TO:<two@customer.test>')), HOURLY_REFUSAL);
      await client.quit();

      // Past their time they count no more, and the periodic prune deletes them.
      clock.advanceMs(RESERVATION_TTL_MS);
      const released = await second.app.outbound.release(
        ALICE.address,
        { reason: 'test', force: true },
        admin,
      );
      assert.ok(released.ok, JSON.stringify(released));
      const again = await second.app.outbound.beginMessage({ id: user.id, address: user.address });
      assert.ok(again.ok);
      for (const recipient of ['p@customer.test', 'q@customer.test', 'r@customer.test'])
        assert.deepEqual(await again.budget.checkRecipient(recipient), { ok: true });
      await again.budget.giveBack();
      assert.ok((await second.app.outbound.pruneCounters()) >= 1);
      assert.equal(await reservationRows(second.app), 0);
    } finally {
      if (second) {
        await second.stop();
        await second.app.close();
      }
      dir.remove();
      await upstream.stop();
    }
  });
});

async function waitForNoReservation(app: App): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if ((await reservationRows(app)) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail('the reservation was not given back');
}
