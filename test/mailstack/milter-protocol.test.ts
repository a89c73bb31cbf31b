import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AwaitingContent,
  createMilterServer,
  createPostfixPolicyServer,
  type MilterServer,
  type PostfixPolicyServer,
} from '../../src/mailstack/index.js';
import { packet } from '../../src/mailstack/milter/milter-codec.js';
import { smtpReplies } from '../../src/smtp-status/index.js';
import { MilterClient } from '../support/milter-client.js';
import { phishingMessage } from '../support/phishing.js';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { addUser, createTestApp, type TestApp } from '../support/test-app.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
const ALICE = 'alice@example.org';
/** Under the policy "holding" (spam held in quarantine); Alice's default policy holds too. */
const BOB = 'bob@example.org';
/** Under the policy "refusing" (spam refused with 554 5.7.1). */
const CAROL = 'carol@example.org';
const MAX_MESSAGE_BYTES = 64 * 1024;

function cleanMessage(from: string, n: number): Buffer {
  return Buffer.from(
    [
      `From: ${from}`,
      'To: dana@customer.test',
      `Subject: Minutes of Tuesday's meeting (${n})`,
      `Message-ID: <minutes-${n}@example.org>`,
      'Date: Mon, 02 Mar 2026 09:00:00 +0000',
      // A folded header: its continuation line must reach the judged message as it was.
      'X-Note: first part',
      '\tsecond part',
      '',
      'Hi Dana,',
      '',
      'attached the minutes. Next meeting is on the 3rd.',
      '',
      'Alice',
      '',
    ].join('\r\n'),
  );
}

describe('the milter listener on raw TCP (Postfix smtpd_milters, protocol 6)', () => {
  let testApp: TestApp;
  let server: MilterServer;
  let policy: PostfixPolicyServer;
  let now = Date.now();
  const awaitingContent = new AwaitingContent({ ttlMs: 60_000, maxEntries: 100, nowMs: () => now });
  let port: number;
  const clients: MilterClient[] = [];
  const connect = async () => {
    const client = await MilterClient.connect(port);
    clients.push(client);
    return client;
  };
  /** A connection that went through negotiation and CONNECT, as Postfix opens each SMTP session. */
  const session = async () => {
    const client = await connect();
    await client.negotiate();
    assert.equal((await client.connectFrom('203.0.113.7'))?.code, 'c');
    return client;
  };
  /** Sends that left are `success`; refused and held submissions are `failure` (outbound's refusals). */
  const records = async (mailbox: string, operation: string, result: 'success' | 'failure' = 'success') =>
    (await testApp.app.audit.search({ mailbox, operations: [operation as 'Send'], result })).records;

  before(async () => {
    testApp = await createTestApp();
    const app = testApp.app;
    for (const address of [ALICE, BOB, CAROL]) await addUser(app, address);
    for (const [name, user, spamAction] of [
      ['holding', BOB, 'hold'],
      ['refusing', CAROL, 'reject'],
    ] as const) {
      const set = await app.outbound.setPolicy(
        name,
        { settings: { spamAction, spamVerdictsToRestrict: 100 }, scope: { users: [user] } },
        admin,
      );
      assert.ok(set.ok, JSON.stringify(set));
    }
    server = createMilterServer({
      directory: app.directory,
      outbound: app.outbound,
      audit: app.audit,
      logger: app.logger,
      awaitingContent,
      limits: { maxMessageBytes: MAX_MESSAGE_BYTES },
    });
    await server.start('127.0.0.1', 0);
    port = server.port()!;
    policy = createPostfixPolicyServer(app, { onError: 'defer', awaitingContent });
    await policy.start('127.0.0.1', 0);
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.stop();
    await policy.stop();
    await testApp.cleanup();
  });

  test('negotiation: version 6, no message edits, and only the events a content check needs', async () => {
    const client = await connect();
    const offered = await client.negotiate(0x1fffff);
    assert.equal(offered.version, 6);
    assert.equal(offered.actions, 0, 'the milter never edits messages');
    // SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_HDR_LEADSPC: headers arrive with their leading space.
    assert.equal(offered.protocol, 0x100 | 0x200 | 0x100000);
    // An MTA that offers none of those gets none of them asked for.
    const plain = await (await connect()).negotiate(0);
    assert.equal(plain.protocol, 0);
  });

  test('a clean message is accepted, with one Send record keyed by the queue id and its spam score', async () => {
    const client = await session();
    const reply = await client.message({
      login: ALICE,
      queueId: 'A1B2C3',
      from: ALICE,
      recipients: ['dana@customer.test', 'erin@customer.test'],
      raw: cleanMessage(ALICE, 1),
    });
    assert.equal(reply?.code, 'a');
    const [send] = await records(ALICE, 'Send');
    assert.equal(send?.protocol, 'postfix');
    assert.equal(send?.sessionId, 'A1B2C3');
    assert.equal(send?.clientIp, '203.0.113.7');
    assert.equal(send?.details?.['queueId'], 'A1B2C3');
    assert.equal(send?.details?.['recipientCount'], 2);
    assert.equal(typeof send?.details?.['spamScore'], 'number');
    assert.equal(send?.subject, "Minutes of Tuesday's meeting (1)");
  });

  test('body chunks of any size make the message Postfix queues, byte for byte (held copy)', async () => {
    const client = await session();
    const { raw } = phishingMessage(BOB, 1);
    const reply = await client.message({
      login: BOB,
      queueId: 'CHUNKS1',
      from: BOB,
      recipients: ['victim@customer.test'],
      raw,
      chunkBytes: 7,
    });
    assert.equal(reply?.code, 'd', 'held: Postfix answers 250 and discards its copy');
    const [held] = await testApp.app.outbound.quarantine.list({ mailbox: BOB });
    assert.ok(held);
    const stored = await testApp.app.outbound.quarantine.get(held.id);
    assert.deepEqual(stored?.raw, raw);
    const [verdict] = await records(BOB, 'SpamVerdict');
    assert.equal(verdict?.details?.['action'], 'hold');
    assert.equal(verdict?.details?.['quarantineId'], held.id);
    assert.equal((await records(BOB, 'Send')).length, 0, 'a held message is not sent');
    await testApp.app.outbound.refusals.flush();
    const [refused] = await records(BOB, 'Send', 'failure');
    assert.equal(refused?.details?.['refusal'], 'held');
    assert.equal(refused?.protocol, 'postfix');
  });

  test('spam under a refusing policy gets the gateway reply, 554 5.7.1, as SMFIR_REPLYCODE', async () => {
    const client = await session();
    const reply = await client.message({
      login: CAROL,
      queueId: 'REJ1',
      from: CAROL,
      recipients: ['victim@customer.test'],
      raw: phishingMessage(CAROL, 2).raw,
    });
    assert.equal(reply?.code, 'y');
    const spam = smtpReplies['spam-rejected'];
    assert.equal(reply?.data.toString(), `${spam.code} ${spam.status} ${spam.text}\0`);
    assert.equal((await records(CAROL, 'Send')).length, 0);
    assert.equal((await records(CAROL, 'SpamVerdict'))[0]?.details?.['action'], 'reject');
  });

  test('a sender address that is not the login’s gets the gateway’s 550 5.7.60', async () => {
    const client = await session();
    const reply = await client.message({
      login: ALICE,
      queueId: 'SPOOF1',
      from: 'ceo@example.org',
      recipients: ['dana@customer.test'],
      raw: cleanMessage('ceo@example.org', 2),
    });
    const refused = smtpReplies['sender-not-allowed'];
    assert.equal(reply?.data.toString(), `${refused.code} ${refused.status} ${refused.text}\0`);
  });

  test('a client that did not sign in is not ours to judge: accepted, nothing recorded', async () => {
    const client = await session();
    const reply = await client.message({
      login: '',
      queueId: 'ANON1',
      from: 'someone@elsewhere.test',
      recipients: [ALICE],
      raw: cleanMessage('someone@elsewhere.test', 3),
    });
    assert.equal(reply?.code, 'a');
    assert.equal((await records('someone@elsewhere.test', 'Send')).length, 0);
  });

  test('a message over the size limit gets 552 5.3.4 and is not judged', async () => {
    const client = await session();
    const big = Buffer.concat([cleanMessage(ALICE, 4), Buffer.alloc(MAX_MESSAGE_BYTES, 'a')]);
    const reply = await client.message({
      login: ALICE,
      queueId: 'BIG1',
      from: ALICE,
      recipients: ['dana@customer.test'],
      raw: big,
    });
    assert.match(reply?.data.toString() ?? '', /^552 5\.3\.4 /);
    assert.ok(!(await records(ALICE, 'Send')).some((record) => record.sessionId === 'BIG1'));
  });

  test('an aborted message is forgotten, and the connection serves the next one', async () => {
    const client = await session();
    client.macros('M', { i: 'ABORT1', '{auth_authen}': ALICE });
    assert.equal((await client.ask('M', `<${ALICE}>`))?.code, 'c');
    assert.equal((await client.ask('R', '<dana@customer.test>'))?.code, 'c');
    client.send('A');
    const reply = await client.message({
      login: ALICE,
      queueId: 'AFTER1',
      from: ALICE,
      recipients: ['dana@customer.test'],
      raw: cleanMessage(ALICE, 5),
    });
    assert.equal(reply?.code, 'a');
    const sends = await records(ALICE, 'Send');
    assert.ok(sends.some((record) => record.sessionId === 'AFTER1'));
    assert.ok(!sends.some((record) => record.sessionId === 'ABORT1'));
  });

  test('garbage is refused clearly (TEMPFAIL, then the connection closes), and others are served', async () => {
    const client = await connect();
    client.write(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
    assert.equal((await client.next())?.code, 't');
    await client.closed;
    assert.ok(server.protocolErrors() >= 1);

    const unknown = await connect();
    await unknown.negotiate();
    unknown.write(packet('Z', Buffer.from('x')));
    assert.equal((await unknown.next())?.code, 't');
    await unknown.closed;

    const old = await connect();
    const data = Buffer.alloc(12);
    data.writeUInt32BE(1, 0);
    old.write(packet('O', data));
    assert.equal((await old.next())?.code, 't', 'protocol version 1 is refused');
    await old.closed;

    const fine = await session();
    assert.equal(
      (
        await fine.message({
          login: ALICE,
          queueId: 'FINE1',
          from: ALICE,
          recipients: ['dana@customer.test'],
          raw: cleanMessage(ALICE, 6),
        })
      )?.code,
      'a',
    );
  });

  test('a connection dropped mid-message leaves no record and no quarantined copy', async () => {
    const client = await session();
    client.macros('M', { i: 'DROP1', '{auth_authen}': BOB });
    assert.equal((await client.ask('M', `<${BOB}>`))?.code, 'c');
    assert.equal((await client.ask('R', '<victim@customer.test>'))?.code, 'c');
    assert.equal((await client.ask('L', 'Subject', ' half a message'))?.code, 'c');
    assert.equal((await client.ask('N'))?.code, 'c');
    // Half a body packet, then the peer is gone.
    const body = packet('B', Buffer.from('Your password expires today. Verify your account now'));
    client.write(body.subarray(0, 20));
    client.close();
    await client.closed;
    const heldBefore = (await testApp.app.outbound.quarantine.list({ mailbox: BOB })).length;
    // The server is still serving; the dropped message has no trace.
    const next = await session();
    assert.equal(
      (
        await next.message({
          login: ALICE,
          queueId: 'AFTERDROP',
          from: ALICE,
          recipients: ['dana@customer.test'],
          raw: cleanMessage(ALICE, 7),
        })
      )?.code,
      'a',
    );
    const all = (await testApp.app.audit.search({ mailbox: BOB })).records;
    assert.ok(!all.some((record) => record.sessionId === 'DROP1'));
    assert.equal((await testApp.app.outbound.quarantine.list({ mailbox: BOB })).length, heldBefore);
  });

  test('with policy_context=mailwarden-milter the policy service hands the message over: one Send record, after the verdict', async () => {
    const policyClient = await PolicyClient.connect(policy.port()!);
    try {
      const request = rcptRequest({ instance: 'hand.1', recipient: 'dana@customer.test' });
      assert.equal(await policyClient.ask(request), 'DUNNO');
      const endOfMessage = {
        ...request,
        protocol_state: 'END-OF-MESSAGE',
        queue_id: 'HAND1',
        recipient: '',
        recipient_count: '1',
        policy_context: 'mailwarden-milter',
      };
      assert.equal(await policyClient.ask(endOfMessage), 'DUNNO');
      const sessionRecords = async () =>
        (await records(ALICE, 'Send')).filter((record) => record.sessionId === 'hand.1');
      assert.equal((await sessionRecords()).length, 0, 'no Send record before the content verdict');
      assert.equal(awaitingContent.size, 1);

      const client = await session();
      const reply = await client.message({
        login: ALICE,
        queueId: 'HAND1',
        from: ALICE,
        recipients: ['dana@customer.test'],
        raw: cleanMessage(ALICE, 8),
      });
      assert.equal(reply?.code, 'a');
      const [send, ...more] = await sessionRecords();
      assert.equal(more.length, 0);
      assert.equal(send?.details?.['queueId'], 'HAND1');
      assert.equal(send?.clientIp, '203.0.113.9', 'the facts are the policy request’s');
      assert.equal(typeof send?.details?.['spamScore'], 'number');
      assert.equal(awaitingContent.size, 0);

      // Without the context (a service without the milter) the policy service records at once.
      const plain = rcptRequest({ instance: 'plain.1', recipient: 'dana@customer.test' });
      assert.equal(await policyClient.ask(plain), 'DUNNO');
      assert.equal(
        await policyClient.ask({ ...plain, protocol_state: 'END-OF-MESSAGE', queue_id: 'PLAIN1' }),
        'DUNNO',
      );
      assert.ok((await records(ALICE, 'Send')).some((record) => record.sessionId === 'plain.1'));
      assert.equal(awaitingContent.size, 0);
    } finally {
      policyClient.close();
    }
  });

  test('a hand-off whose content never comes is dropped after its time, counted, and never recorded as sent', async () => {
    const policyClient = await PolicyClient.connect(policy.port()!);
    try {
      const request = rcptRequest({ instance: 'lost.1', recipient: 'dana@customer.test' });
      assert.equal(await policyClient.ask(request), 'DUNNO');
      assert.equal(
        await policyClient.ask({
          ...request,
          protocol_state: 'END-OF-MESSAGE',
          queue_id: 'LOST1',
          policy_context: 'mailwarden-milter',
        }),
        'DUNNO',
      );
      assert.equal(awaitingContent.size, 1);
      const expiredBefore = awaitingContent.expired;
      now += 61_000;
      const swept = awaitingContent.sweep();
      assert.deepEqual(
        swept.map((message) => message.queueId),
        ['LOST1'],
      );
      assert.equal(awaitingContent.expired, expiredBefore + 1);
      assert.ok(!(await records(ALICE, 'Send')).some((record) => record.sessionId === 'lost.1'));
      // The content arriving after all is judged on its own (the milter begins the budget itself).
      const client = await session();
      const reply = await client.message({
        login: ALICE,
        queueId: 'LOST1',
        from: ALICE,
        recipients: ['dana@customer.test'],
        raw: cleanMessage(ALICE, 9),
      });
      assert.equal(reply?.code, 'a');
      assert.ok((await records(ALICE, 'Send')).some((record) => record.sessionId === 'LOST1'));
    } finally {
      policyClient.close();
    }
  });
});
