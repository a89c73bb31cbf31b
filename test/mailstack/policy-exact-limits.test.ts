import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type App, buildApp } from '../../src/app.js';
import { createPostfixPolicyServer, type PostfixPolicyServer } from '../../src/mailstack/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { addUser, createPostgresDatabase, makeTempDir, testConfig } from '../support/test-app.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
const ALICE = 'alice@example.org';
const HOURLY =
  "550 5.1.90 Your message can't be sent because you've reached your hourly limit for message recipients";

interface PolicyInstance {
  app: App;
  server: PostfixPolicyServer;
  stop(): Promise<void>;
}

/** One Mailwarden's policy service on a database others may share. */
async function startPolicyInstance(databaseUrl: string | null): Promise<PolicyInstance> {
  const temp = makeTempDir();
  const app = await buildApp(testConfig({ dataDir: temp.dir, databaseUrl }), { logger: silentLogger });
  const server = createPostfixPolicyServer(app, { maxMessageBytes: 10_000 });
  await server.start('127.0.0.1', 0);
  return {
    app,
    server,
    async stop() {
      await server.stop();
      await app.close();
      temp.remove();
    },
  };
}

async function limitAlice(app: App, externalPerHour: number): Promise<void> {
  await addUser(app, ALICE);
  const set = await app.outbound.setPolicy(
    'default',
    { settings: { externalPerHour, perMinute: 1000, perDay: 10_000, action: 'restrict' } },
    admin,
  );
  assert.ok(set.ok, JSON.stringify(set));
}

const rcpt = (instance: string, recipient: string) =>
  rcptRequest({ instance, sasl_username: ALICE, sender: ALICE, recipient });
const endOfMessage = (instance: string, recipients: number, size = 1234) =>
  rcptRequest({
    instance,
    sasl_username: ALICE,
    sender: ALICE,
    protocol_state: 'END-OF-MESSAGE',
    recipient: '',
    recipient_count: String(recipients),
    size: String(size),
    queue_id: `Q${instance.replaceAll('.', '')}`,
  });

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

async function waitForReservations(app: App, expected: number): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if ((await reservationRows(app)) === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.equal(await reservationRows(app), expected);
}

describe('sending limits through the Postfix policy service are exact under concurrency', () => {
  test('three instances on one PostgreSQL, twelve smtpd connections at RCPT together: exactly 10 accepted', async () => {
    const database = await createPostgresDatabase();
    const instances: PolicyInstance[] = [];
    const clients: PolicyClient[] = [];
    try {
      for (let index = 0; index < 3; index++) instances.push(await startPolicyInstance(database.url));
      await limitAlice(instances[0]!.app, 10);
      for (let index = 0; index < 12; index++)
        clients.push(await PolicyClient.connect(instances[index % 3]!.server.port()!));
      const answers = await Promise.all(
        clients.map((client, index) => client.ask(rcpt(`burst.${index}`, `r${index}@customer.test`))),
      );
      assert.equal(answers.filter((answer) => answer === 'DUNNO').length, 10);
      assert.deepEqual(
        answers.filter((answer) => answer !== 'DUNNO'),
        [HOURLY, HOURLY],
      );
      const ends = await Promise.all(
        clients.flatMap((client, index) =>
          answers[index] === 'DUNNO' ? [client.ask(endOfMessage(`burst.${index}`, 1))] : [],
        ),
      );
      assert.deepEqual(
        ends,
        Array.from({ length: 10 }, () => 'DUNNO'),
      );
      assert.equal(await sentRecipients(instances[0]!.app), 10);
      assert.equal(await reservationRows(instances[0]!.app), 0);
    } finally {
      for (const client of clients) client.close();
      for (const instance of instances) await instance.stop();
      await database.drop();
    }
  });

  test('a transaction Postfix abandons gives back its recipients: a new instance on the connection, a refused END-OF-MESSAGE, a closed connection', async () => {
    const instance = await startPolicyInstance(null);
    try {
      await limitAlice(instance.app, 2);
      const smtpd = await PolicyClient.connect(instance.server.port()!);
      // RSET after two recipients: Postfix's next request on the connection names another instance.
      assert.equal(await smtpd.ask(rcpt('m.1', 'a@customer.test')), 'DUNNO');
      assert.equal(await smtpd.ask(rcpt('m.1', 'b@customer.test')), 'DUNNO');
      assert.equal(await smtpd.ask(rcpt('m.2', 'c@customer.test')), 'DUNNO');
      assert.equal(await smtpd.ask(rcpt('m.2', 'd@customer.test')), 'DUNNO');
      // Too big at END-OF-MESSAGE: refused, and both recipients go back.
      assert.match(await smtpd.ask(endOfMessage('m.2', 2, 20_000)), /^552 /);
      await waitForReservations(instance.app, 0);
      assert.equal(await smtpd.ask(rcpt('m.3', 'e@customer.test')), 'DUNNO');
      // The smtpd process goes away mid-transaction: its connection closes.
      smtpd.close();
      await waitForReservations(instance.app, 0);

      const next = await PolicyClient.connect(instance.server.port()!);
      assert.equal(await next.ask(rcpt('m.4', 'f@customer.test')), 'DUNNO');
      assert.equal(await next.ask(rcpt('m.4', 'g@customer.test')), 'DUNNO');
      assert.equal(await next.ask(endOfMessage('m.4', 2)), 'DUNNO');
      assert.equal(await next.ask(rcpt('m.5', 'h@customer.test')), HOURLY);
      next.close();
      assert.equal(await sentRecipients(instance.app), 2);
    } finally {
      await instance.stop();
    }
  });
});
