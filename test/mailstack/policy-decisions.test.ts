import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPostfixPolicyServer, type PostfixPolicyServer } from '../../src/mailstack/index.js';
import { postfixActions } from '../../src/mailstack/postfix-policy/postfix-actions.js';
import { unknownLoginCounterKey } from '../../src/outbound/index.js';
import { smtpReplies } from '../../src/smtp-status/index.js';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import {
  addUser,
  createTestApp,
  runAdminSql,
  type StoreKind,
  storeKinds,
  type TestApp,
} from '../support/test-app.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
const ALICE = 'alice@example.org';
const HOURLY =
  "550 5.1.90 Your message can't be sent because you've reached your hourly limit for message recipients";

/** One message as Postfix asks about it: each RCPT, then END-OF-MESSAGE. */
async function submit(
  client: PolicyClient,
  instance: string,
  recipients: readonly string[],
  options: { login?: string; size?: number } = {},
): Promise<{ rcpt: string[]; endOfMessage: string | null }> {
  const base = { instance, sasl_username: options.login ?? ALICE, sender: options.login ?? ALICE };
  const rcpt: string[] = [];
  for (const recipient of recipients) rcpt.push(await client.ask(rcptRequest({ ...base, recipient })));
  const accepted = recipients.filter((_, index) => rcpt[index] === 'DUNNO');
  // Postfix asks at END-OF-MESSAGE only when at least one recipient was accepted.
  if (accepted.length === 0) return { rcpt, endOfMessage: null };
  const endOfMessage = await client.ask(
    rcptRequest({
      ...base,
      protocol_state: 'END-OF-MESSAGE',
      recipient: accepted.length === 1 ? accepted[0] : '',
      recipient_count: String(accepted.length),
      size: String(options.size ?? 1234),
      queue_id: `Q${instance.replaceAll('.', '')}`,
    }),
  );
  return { rcpt, endOfMessage };
}

describe('outbound policy decided for Postfix', () => {
  let testApp: TestApp;
  let server: PostfixPolicyServer;
  let client: PolicyClient;

  before(async () => {
    testApp = await createTestApp();
    await addUser(testApp.app, ALICE);
    const set = await testApp.app.outbound.setPolicy(
      'tight',
      { settings: { externalPerHour: 3, action: 'restrict' }, scope: { users: [ALICE] } },
      admin,
    );
    assert.ok(set.ok);
    server = createPostfixPolicyServer(testApp.app, { maxMessageBytes: 10_000 });
    await server.start('127.0.0.1', 0);
    client = await PolicyClient.connect(server.port()!);
  });
  after(async () => {
    client.close();
    await server.stop();
    await testApp.cleanup();
  });

  test('a message is counted at END-OF-MESSAGE and leaves a Send record marked postfix', async () => {
    const sent = await submit(client, 'm.1', ['a@victims.test', 'b@victims.test']);
    assert.deepEqual(sent, { rcpt: ['DUNNO', 'DUNNO'], endOfMessage: 'DUNNO' });
    const { records } = await testApp.app.audit.search({ mailbox: ALICE, operations: ['Send'] });
    assert.equal(records.length, 1);
    const [record] = records;
    assert.equal(record?.protocol, 'postfix');
    assert.equal(record?.sessionId, 'm.1');
    assert.equal(record?.clientIp, '203.0.113.9');
    assert.equal(record?.logonType, 'owner');
    assert.equal(record?.actor, ALICE);
    assert.deepEqual(
      {
        from: record?.details?.['from'],
        recipientCount: record?.details?.['recipientCount'],
        recipients: record?.details?.['recipients'],
        sizeBytes: record?.details?.['sizeBytes'],
        via: record?.details?.['via'],
        queueId: record?.details?.['queueId'],
        policy: record?.details?.['policy'],
      },
      {
        from: ALICE,
        recipientCount: 2,
        recipients: ['a@victims.test', 'b@victims.test'],
        sizeBytes: 1234,
        via: 'postfix',
        queueId: 'Qm1',
        policy: 'tight',
      },
    );
  });

  test('an envelope sender that is not the user’s gets 550 5.7.60; an alias is recorded as SendAs', async () => {
    const foreign = await client.ask(
      rcptRequest({
        instance: 'm.s1',
        sasl_username: ALICE,
        sender: 'ceo@example.org',
        recipient: 'x@victims.test',
      }),
    );
    assert.equal(foreign, '550 5.7.60 Client does not have permissions to send as this sender');
    assert.ok((await testApp.app.directory.addAlias(ALICE, 'sales@example.org', admin)).ok);
    const base = { instance: 'm.s2', sasl_username: ALICE, sender: 'sales@example.org' };
    assert.equal(await client.ask(rcptRequest({ ...base, recipient: 'colleague@example.org' })), 'DUNNO');
    assert.equal(
      await client.ask(
        rcptRequest({
          ...base,
          protocol_state: 'END-OF-MESSAGE',
          recipient: 'colleague@example.org',
          recipient_count: '1',
          size: '500',
        }),
      ),
      'DUNNO',
    );
    const { records } = await testApp.app.audit.search({ mailbox: ALICE, operations: ['SendAs'] });
    assert.equal(records[0]?.protocol, 'postfix');
    assert.equal(records[0]?.details?.['from'], 'sales@example.org');
  });

  test('a message over the size limit is refused at END-OF-MESSAGE with 552 5.3.4 and not counted', async () => {
    const sent = await submit(client, 'm.2', ['big@victims.test'], { size: 10_001 });
    assert.deepEqual(sent, {
      rcpt: ['DUNNO'],
      endOfMessage: '552 5.3.4 Message size exceeds fixed maximum message size',
    });
  });

  test('the limit refuses the recipient over it and the whole message, then the restricted account', async () => {
    // 2 of 3 external recipients this hour are used: the third passes, the fourth reaches the limit.
    const over = await submit(client, 'm.3', ['c@victims.test', 'd@victims.test']);
    assert.deepEqual(over, { rcpt: ['DUNNO', HOURLY], endOfMessage: HOURLY });
    const [restriction] = await testApp.app.outbound.listRestricted();
    assert.equal(restriction?.mailbox, ALICE);
    const next = await submit(client, 'm.4', ['e@victims.test']);
    assert.deepEqual(next, { rcpt: ['550 5.1.8 Access denied, bad outbound sender'], endOfMessage: null });
    const { records } = await testApp.app.audit.search({
      mailbox: ALICE,
      operations: ['Send'],
      result: 'success',
    });
    assert.equal(records.length, 1, 'refused messages leave no successful Send record');
  });

  test('every refusal on the Postfix path is a failure record with its reply and reason, protocol postfix', async () => {
    await testApp.app.outbound.refusals.flush();
    const { records } = await testApp.app.audit.search({ mailbox: ALICE, result: 'failure' });
    const summary = records
      .map((record) => ({
        operation: record.operation,
        protocol: record.protocol,
        refusal: record.details?.['refusal'],
        reply: record.details?.['reply'],
        reason: record.details?.['reason'],
        recipients: record.details?.['recipients'],
        count: record.details?.['count'],
      }))
      .sort((a, b) => String(a.refusal).localeCompare(String(b.refusal)));
    assert.deepEqual(summary, [
      {
        operation: 'Send',
        protocol: 'postfix',
        refusal: 'hourly-limit-reached',
        reply: '550 5.1.90',
        reason: HOURLY.slice('550 5.1.90 '.length),
        recipients: ['d@victims.test'],
        count: 1,
      },
      {
        operation: 'SendAs',
        protocol: 'postfix',
        refusal: 'sender-not-allowed',
        reply: '550 5.7.60',
        reason: 'Client does not have permissions to send as this sender',
        recipients: ['x@victims.test'],
        count: 1,
      },
      {
        operation: 'Send',
        protocol: 'postfix',
        refusal: 'sender-restricted',
        reply: '550 5.1.8',
        reason: 'Access denied, bad outbound sender',
        recipients: ['e@victims.test'],
        count: 1,
      },
    ]);
    const verified = await testApp.app.audit.verify();
    assert.ok(verified.ok, JSON.stringify(verified));
  });

  test('after a release the Postfix path counts afresh: the limit is available again, then restricts again', async () => {
    const released = await testApp.app.outbound.release(ALICE, { reason: 'verified', force: true }, admin);
    assert.ok(released.ok, JSON.stringify(released));
    const sent = await submit(client, 'm.5', ['f@victims.test', 'g@victims.test', 'h@victims.test']);
    assert.deepEqual(sent, { rcpt: ['DUNNO', 'DUNNO', 'DUNNO'], endOfMessage: 'DUNNO' });
    const over = await submit(client, 'm.6', ['i@victims.test']);
    assert.deepEqual(over, { rcpt: [HOURLY], endOfMessage: null });
    const { records } = await testApp.app.audit.search({ mailbox: ALICE, operations: ['RestrictSender'] });
    assert.equal(records.length, 2, 'a new RestrictSender record');
    const restricted = (await testApp.app.alerts.list({ mailbox: ALICE })).filter(
      (alert) => alert.type === 'user-restricted',
    );
    assert.deepEqual(
      restricted.map((alert) => alert.count),
      [1, 1],
    );
  });

  test('an END-OF-MESSAGE without a recipient decision (restart in between) passes', async () => {
    assert.equal(
      await client.ask(
        rcptRequest({ protocol_state: 'END-OF-MESSAGE', instance: 'never.seen', sasl_username: 'x@y.test' }),
      ),
      'DUNNO',
    );
  });

  test('the Postfix answers say what the submission gateway says', () => {
    for (const name of [
      'sender-restricted',
      'hourly-limit-reached',
      'daily-limit-reached',
      'too-many-recipients',
      'rate-limited',
      'message-too-big',
    ] as const) {
      const reply = smtpReplies[name];
      assert.equal(postfixActions[name], `${reply.code} ${reply.status} ${reply.text}`, name);
    }
  });
});

describe('a database outage, as Postfix sees it', () => {
  let testApp: TestApp;
  let server: PostfixPolicyServer;
  let databaseName: string;
  const database = runAdminSql;

  before(async () => {
    testApp = await createTestApp('postgres');
    await addUser(testApp.app, ALICE);
    databaseName = new URL(testApp.app.config.database.url!).pathname.slice(1);
    server = createPostfixPolicyServer(testApp.app);
    await server.start('127.0.0.1', 0);
  });
  after(async () => {
    await database(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS true`);
    await server.stop();
    await testApp.cleanup();
  });

  test('answers DEFER_IF_PERMIT while the database is down, and decides again once it is back', async () => {
    const client = await PolicyClient.connect(server.port()!);
    try {
      await database(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS false`);
      await database(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${databaseName}'`,
      );
      assert.equal(
        await client.ask(rcptRequest({ instance: 'o.1' })),
        'DEFER_IF_PERMIT Service temporarily unavailable',
      );
      await database(`ALTER DATABASE ${databaseName} ALLOW_CONNECTIONS true`);
      assert.equal(await client.ask(rcptRequest({ instance: 'o.2' })), 'DUNNO');
    } finally {
      client.close();
    }
  });
});

for (const kind of storeKinds as StoreKind[]) {
  describe(`a SASL login Mailwarden does not know (${kind})`, () => {
    const STRANGER = 'stranger@elsewhere.test';
    let testApp: TestApp;
    let server: PostfixPolicyServer;
    let client: PolicyClient;

    before(async () => {
      testApp = await createTestApp(kind);
      await addUser(testApp.app, ALICE);
      const set = await testApp.app.outbound.setPolicy(
        'default',
        { settings: { externalPerHour: 3, action: 'restrict' } },
        admin,
      );
      assert.ok(set.ok, JSON.stringify(set));
      server = createPostfixPolicyServer(testApp.app);
      await server.start('127.0.0.1', 0);
      client = await PolicyClient.connect(server.port()!);
    });
    after(async () => {
      client.close();
      await server.stop();
      await testApp.cleanup();
    });

    test('is counted under the default policy and stopped at its limit, with an alert, not let through', async () => {
      const first = await submit(client, 'u.1', ['a@victims.test', 'b@victims.test'], { login: STRANGER });
      assert.deepEqual(first, { rcpt: ['DUNNO', 'DUNNO'], endOfMessage: 'DUNNO' });
      const over = await submit(client, 'u.2', ['c@victims.test', 'd@victims.test'], { login: STRANGER });
      assert.deepEqual(over, { rcpt: ['DUNNO', HOURLY], endOfMessage: HOURLY });

      const counters = await testApp.app.store.db
        .selectFrom('send_counters')
        .select(['user_id', 'external_recipients'])
        .execute();
      assert.deepEqual(counters, [{ user_id: unknownLoginCounterKey(STRANGER), external_recipients: 2 }]);
      const { records } = await testApp.app.audit.search({ mailbox: STRANGER, operations: ['Send'] });
      assert.equal(records.length, 1);
      assert.equal(records[0]?.details?.['unknownLogin'], true);
      assert.equal(records[0]?.details?.['policy'], 'default');

      const alerts = await testApp.app.alerts.list();
      const unknown = alerts.find((alert) => alert.type === 'unknown-sender');
      assert.equal(unknown?.mailbox, STRANGER);
      assert.equal(unknown?.count, 2, 'one alert, counted per message');
      assert.ok(
        alerts.some((alert) => alert.type === 'sending-limit-exceeded' && alert.mailbox === STRANGER),
      );
      // There is no account to restrict: the limit refuses, and nothing is left behind to release.
      assert.deepEqual(await testApp.app.outbound.listRestricted(), []);
    });

    test('is refused when policy.unknownSender is refuse; a client without SASL stays DUNNO', async () => {
      const changed = await testApp.app.settings.change({ 'policy.unknownSender': 'refuse' }, admin);
      assert.ok(changed.ok, JSON.stringify(changed));
      const refused = await submit(client, 'u.3', ['e@victims.test'], { login: 'other@elsewhere.test' });
      assert.deepEqual(refused, { rcpt: [postfixActions['unknown-sender']], endOfMessage: null });
      assert.match(postfixActions['unknown-sender'], /^550 5\.7\.1 /);
      assert.equal(
        await client.ask(rcptRequest({ instance: 'u.4', sasl_username: undefined, sasl_method: undefined })),
        'DUNNO',
      );
      assert.equal(
        await client.ask(rcptRequest({ instance: 'u.5' })),
        'DUNNO',
        'a known user is decided as ever',
      );
    });
  });
}
