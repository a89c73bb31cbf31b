import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningServer, startServer } from '../../src/server.js';
import { smtpReplies } from '../../src/smtp-status/index.js';
import { freePort } from '../support/cli-process.js';
import { phishingMessage } from '../support/phishing.js';
import {
  missingMailstackBinaries,
  type PostfixHarness,
  startPostfixHarness,
} from '../support/postfix-harness.js';
import { sendWithSwaks, swaksInstalled } from '../support/swaks.js';
import { addUser, createTestApp, type TestApp } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
/** Spam is held in quarantine; two verdicts restrict her. */
const ALICE = { address: 'alice@example.org', password: 'alice-password-123' };
/** Spam is refused (554 5.7.1). */
const BOB = { address: 'bob@example.org', password: 'bob-password-456' };

const missing = [...missingMailstackBinaries(), ...(swaksInstalled() ? [] : ['swaks'])];
const skip =
  missing.length > 0
    ? `not installed: ${missing.join(', ')} (apt-get install postfix dovecot-core swaks; .ci/run does it)`
    : false;

function cleanMessage(from: string, subject: string): Buffer {
  return Buffer.from(
    [
      `From: ${from}`,
      'To: dana@customer.test',
      `Subject: ${subject}`,
      `Message-ID: <${subject.replace(/\W+/g, '-')}@example.org>`,
      'Date: Mon, 02 Mar 2026 09:00:00 +0000',
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

describe('content verdicts for mail submitted through a real Postfix (milter)', { skip }, () => {
  let testApp: TestApp;
  let server: RunningServer | null = null;
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  let postfix: PostfixHarness;

  const delivered = (subject: string) =>
    upstream.received.some((message) => message.raw.toString().includes(`Subject: ${subject}`));
  const waitFor = async (what: string, done: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 20_000;
    while (!(await done())) {
      if (Date.now() > deadline) assert.fail(`${what}\n${postfix.postfixLog().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const send = (user: { address: string; password: string }, raw: Buffer, to = ['dana@customer.test']) =>
    sendWithSwaks({
      port: postfix.submissionPort,
      login: user.address,
      password: user.password,
      from: user.address,
      to,
      raw,
    });
  const sends = async (mailbox: string, result: 'success' | 'failure') => {
    await testApp.app.outbound.refusals.flush();
    return (await testApp.app.audit.search({ mailbox, operations: ['Send', 'SendAs'], result })).records;
  };

  before(async () => {
    upstream = await startUpstreamServer();
    testApp = await createTestApp('sqlite', {
      overrides: {
        'smtp.enabled': false,
        'smtps.enabled': false,
        'http.enabled': false,
        'policy.port': await freePort(),
        'milter.listen': `127.0.0.1:${await freePort()}`,
        'shutdown.graceMs': 2000,
      },
    });
    await addUser(testApp.app, ALICE.address, ALICE.password);
    await addUser(testApp.app, BOB.address, BOB.password);
    for (const [name, user, spamAction] of [
      ['holding', ALICE, 'hold'],
      ['refusing', BOB, 'reject'],
    ] as const) {
      const set = await testApp.app.outbound.setPolicy(
        name,
        { settings: { spamAction, spamVerdictsToRestrict: 2 }, scope: { users: [user.address] } },
        admin,
      );
      assert.ok(set.ok, JSON.stringify(set));
    }
    server = await startServer(testApp.app);
    postfix = await startPostfixHarness({
      policyPort: server.policyPort()!,
      milterPort: server.milterPort()!,
      relayPort: upstream.port,
      users: [ALICE, BOB].map((user) => ({ login: user.address, password: user.password })),
    });
  });
  after(async () => {
    await postfix?.stop();
    await server?.stop();
    await upstream?.stop();
    await testApp?.cleanup();
  });

  test('clean mail passes, with one Send record written after the verdict (queue id, spam score)', async () => {
    const sent = await send(ALICE, cleanMessage(ALICE.address, 'Minutes one'));
    assert.equal(sent.status, 0, sent.transcript);
    const queueId = /queued as ([0-9A-F]+)/.exec(sent.dataReply ?? '')?.[1];
    assert.ok(queueId, sent.transcript);
    await waitFor('the clean message never reached the upstream', () => delivered('Minutes one'));
    const [record, ...more] = await sends(ALICE.address, 'success');
    assert.equal(more.length, 0, 'one message, one Send record');
    assert.equal(record?.protocol, 'postfix');
    assert.equal(record?.details?.['queueId'], queueId);
    assert.equal(record?.subject, 'Minutes one');
    assert.equal(typeof record?.details?.['spamScore'], 'number');
    assert.equal(record?.details?.['recipientCount'], 1);
  });

  test('spam under a refusing policy gets the gateway’s 554 5.7.1, and nothing is queued', async () => {
    const { raw } = phishingMessage(BOB.address, 1);
    const sent = await send(BOB, raw, ['victim@customer.test']);
    const spam = smtpReplies['spam-rejected'];
    assert.notEqual(sent.status, 0);
    assert.equal(sent.dataReply, `${spam.code} ${spam.status} ${spam.text}`, sent.transcript);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(!delivered('verify your account (1)'));
    assert.equal((await sends(BOB.address, 'success')).length, 0);
    const [refused] = await sends(BOB.address, 'failure');
    assert.equal(refused?.details?.['refusal'], 'spam-rejected');
    assert.equal(refused?.protocol, 'postfix');
    const verdicts = await testApp.app.audit.search({ mailbox: BOB.address, operations: ['SpamVerdict'] });
    assert.equal(verdicts.records[0]?.details?.['action'], 'reject');
  });

  test('spam under a holding policy: 250 for the client, the copy in quarantine; two verdicts restrict, with the alert', async () => {
    for (const n of [2, 3]) {
      const sent = await send(ALICE, phishingMessage(ALICE.address, n).raw, ['victim@customer.test']);
      assert.equal(sent.status, 0, sent.transcript);
      assert.match(sent.dataReply ?? '', /^250 .*queued as /, 'the client cannot tell held from relayed');
    }
    await waitFor('Postfix never logged the milter discard', () =>
      /milter-discard/.test(postfix.postfixLog()),
    );
    const held = await testApp.app.outbound.quarantine.list({ mailbox: ALICE.address });
    assert.deepEqual(held.map((message) => message.subject).sort(), [
      'Urgent: verify your account (2)',
      'Urgent: verify your account (3)',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(!delivered('verify your account'), 'nothing held reached the upstream');
    assert.equal((await sends(ALICE.address, 'success')).length, 1, 'only the clean message was sent');
    const heldRecords = (await sends(ALICE.address, 'failure')).filter(
      (r) => r.details?.['refusal'] === 'held',
    );
    assert.equal(heldRecords.length > 0, true);

    const [restriction] = await testApp.app.outbound.listRestricted();
    assert.equal(restriction?.mailbox, ALICE.address);
    assert.equal(restriction?.reason, 'spam-verdicts');
    const alerts = await testApp.app.alerts.list();
    assert.ok(alerts.some((alert) => alert.type === 'user-restricted' && alert.mailbox === ALICE.address));

    // Restricted means cannot send, through Postfix as at the gateway (the policy service, at RCPT).
    const refused = await send(ALICE, cleanMessage(ALICE.address, 'After restriction'));
    assert.notEqual(refused.status, 0);
    assert.match(
      refused.lastReply,
      /^550 5\.1\.\d+ .*Access denied, bad outbound sender/,
      refused.transcript,
    );
  });

  test('while Mailwarden is down Postfix answers a temporary failure (milter_default_action=tempfail); after the restart mail flows', async () => {
    const running = server!;
    server = null;
    await running.stop();
    const during = await send(BOB, cleanMessage(BOB.address, 'During outage'));
    assert.notEqual(during.status, 0);
    assert.match(during.lastReply, /^4\d\d 4\.\d\.\d /, during.transcript);
    // Measured with Postfix 3.7: the milter cannot be reached at CONNECT, so smtpd refuses the
    // session's commands with a temporary failure (STARTTLS: 454 4.3.0; in clear, 451 4.7.1).
    await waitFor('Postfix never logged the milter tempfail', () =>
      /milter-reject: CONNECT from .*451 4\.7\.1 Service unavailable - try again later/.test(
        postfix.postfixLog(),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(!delivered('During outage'), 'nothing leaves unjudged');

    server = await startServer(testApp.app);
    await waitFor('the message after the restart never reached the upstream', async () => {
      const sent = await send(BOB, cleanMessage(BOB.address, 'After restart'));
      return sent.status === 0;
    });
    await waitFor('the message after the restart never reached the upstream', () =>
      delivered('After restart'),
    );
    const [record] = await sends(BOB.address, 'success');
    assert.equal(record?.subject, 'After restart');
  });
});
