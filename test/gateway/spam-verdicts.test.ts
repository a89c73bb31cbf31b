import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };

/** Credential phishing as a compromised account sends it: a lure, a disguised link, an executable. */
function phishing(from: string, n: number) {
  return {
    from,
    to: ['victim@customer.test'],
    subject: `Urgent: verify your account (${n})`,
    text: 'Your password expires today. Verify your account now or it will be suspended.',
    html:
      '<p>Your password expires today. <a href="http://bit.ly/3xYz">https://login.microsoftonline.com/verify</a> ' +
      'Verify your account now or it will be suspended.</p>',
    attachments: [{ filename: 'invoice.pdf.exe', content: Buffer.from('MZ fake executable') }],
  };
}

function transport(harness: GatewayHarness, user: { address: string; password: string }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: harness.smtpPort,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: user.address, pass: user.password },
  });
}

describe('spam verdicts on outgoing mail', () => {
  let harness: GatewayHarness;
  before(async () => {
    harness = await startGatewayHarness();
  });
  after(async () => {
    await harness.cleanup();
  });

  test('an ordinary message is relayed, with its score recorded', async () => {
    const info = await transport(harness, BOB).sendMail({
      from: BOB.address,
      to: 'carol@customer.test',
      subject: 'Minutes of Tuesday’s meeting',
      text: 'Hi Carol,\n\nattached the minutes. Next meeting is on the 3rd.\n\nBob',
    });
    assert.match(info.response, /^250 /);
    const [record] = (await harness.app.audit.search({ mailbox: BOB.address, operations: ['Send'] })).records;
    assert.equal(typeof record?.details?.['spamScore'], 'number');
    assert.ok((record?.details?.['spamScore'] as number) < 10);
  });

  test('phishing is held in quarantine, not relayed; three verdicts in an hour restrict the sender', async () => {
    for (let n = 1; n <= 3; n++) {
      const info = await transport(harness, ALICE).sendMail(phishing(ALICE.address, n));
      assert.match(info.response, /^250 .*queued as /, 'the client learns nothing');
    }
    assert.ok(
      !harness.upstream!.received.some((message) => message.raw.includes('verify your account')),
      'no phishing reached the upstream',
    );
    const held = await harness.app.outbound.quarantine.list({ mailbox: ALICE.address });
    assert.equal(held.length, 3);
    assert.ok(held.every((message) => message.status === 'held' && message.score >= 10));
    assert.ok(held[0]!.findings.some((finding) => finding.weight > 0));
    const verdicts = await harness.app.audit.search({ mailbox: ALICE.address, operations: ['SpamVerdict'] });
    assert.equal(verdicts.records.length, 3);
    assert.equal(verdicts.records[0]?.details?.['policyVersion'], 0);
    const [restriction] = await harness.app.outbound.listRestricted();
    assert.equal(restriction?.mailbox, ALICE.address);
    assert.equal(restriction?.reason, 'spam-verdicts');
    await assert.rejects(
      transport(harness, ALICE).sendMail({
        from: ALICE.address,
        to: 'x@customer.test',
        subject: 'hi',
        text: 'x',
      }),
      (error: { response?: string }) => error.response === '550 5.1.8 Access denied, bad outbound sender',
    );
  });

  test('an admin can release a held message, which is then delivered, or delete it', async () => {
    const held = await harness.app.outbound.quarantine.list({ mailbox: ALICE.address, status: 'held' });
    const released = await harness.app.outbound.quarantine.release(held[0]!.id, harness.app.delivery, admin);
    assert.ok(released.ok, JSON.stringify(released));
    assert.ok(harness.upstream!.received.some((message) => message.raw.includes(held[0]!.subject ?? '???')));
    const deleted = await harness.app.outbound.quarantine.remove(held[1]!.id, admin);
    assert.ok(deleted.ok);
    const again = await harness.app.outbound.quarantine.remove(held[1]!.id, admin);
    assert.ok(!again.ok && again.code === 'message-not-held');
    const records = await harness.app.audit.search({
      operations: ['ReleaseQuarantinedMessage', 'DeleteQuarantinedMessage'],
    });
    assert.equal(records.records.length, 2);
  });

  test('after a release the spam window restarts: two more verdicts are held without restricting, the third restricts again', async () => {
    const released = await harness.app.outbound.release(
      ALICE.address,
      { reason: 'verified by phone', force: true },
      admin,
    );
    assert.ok(released.ok, JSON.stringify(released));
    const alice = (await harness.app.directory.findUser(ALICE.address))!;
    for (let n = 4; n <= 5; n++) {
      const info = await transport(harness, ALICE).sendMail(phishing(ALICE.address, n));
      assert.match(info.response, /^250 .*queued as /);
      assert.equal(
        await harness.app.outbound.isRestricted(alice.id),
        false,
        'verdicts before the release no longer count',
      );
    }
    await transport(harness, ALICE).sendMail(phishing(ALICE.address, 6));
    assert.equal(await harness.app.outbound.isRestricted(alice.id), true);
    const { records } = await harness.app.audit.search({
      mailbox: ALICE.address,
      operations: ['RestrictSender'],
    });
    assert.equal(records.length, 2);
    const restricted = (await harness.app.alerts.list({ mailbox: ALICE.address })).filter(
      (alert) => alert.type === 'user-restricted',
    );
    assert.deepEqual(
      restricted.map((alert) => alert.count),
      [1, 1],
      'a new alert, not a repeat counted on the first',
    );
  });

  test('with spamAction reject, spam is refused with 554 5.7.1', async () => {
    assert.ok(
      (
        await harness.app.outbound.setPolicy(
          'strict',
          { settings: { spamAction: 'reject' }, scope: { users: [BOB.address] } },
          admin,
        )
      ).ok,
    );
    await assert.rejects(
      transport(harness, BOB).sendMail(phishing(BOB.address, 9)),
      (error: { response?: string }) => {
        assert.match(error.response ?? '', /^554 5\.7\.1 Message refused: it was classified as spam/);
        return true;
      },
    );
  });
});
