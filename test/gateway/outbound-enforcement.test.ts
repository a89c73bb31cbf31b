import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { ALICE, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { SmtpDialogue } from '../support/smtp-dialogue.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };

describe('outbound limits enforced at the submission gateway', () => {
  let harness: GatewayHarness;
  const send = (to: string[], subject: string) =>
    nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: harness.smtpPort,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: ALICE.address, pass: ALICE.password },
      })
      .sendMail({ from: ALICE.address, to, subject, text: 'Please pay the attached invoice.' });

  before(async () => {
    harness = await startGatewayHarness();
    const set = await harness.app.outbound.setPolicy(
      'tight',
      { settings: { externalPerHour: 3, action: 'restrict' }, scope: { users: [ALICE.address] } },
      admin,
    );
    assert.ok(set.ok);
  });
  after(async () => {
    await harness.cleanup();
  });

  test('a compromised account is stopped at the limit, refused with 550 5.1.90, then 550 5.1.8', async () => {
    await send(['a@victims.test', 'b@victims.test'], 'Invoice 1');
    await assert.rejects(
      send(['c@victims.test', 'd@victims.test'], 'Invoice 2'),
      (error: { response?: string }) => {
        assert.match(
          error.response ?? '',
          /^550 5\.1\.90 Your message can't be sent because you've reached your hourly limit for message recipients/,
        );
        return true;
      },
    );
    assert.ok(
      !harness.upstream!.received.some((message) => message.raw.includes('Invoice 2')),
      'nothing of the refused message reached the upstream',
    );
    await assert.rejects(send(['e@victims.test'], 'Invoice 3'), (error: { response?: string }) => {
      assert.equal(error.response, '550 5.1.8 Access denied, bad outbound sender');
      return true;
    });
    const [restriction] = await harness.app.outbound.listRestricted();
    assert.equal(restriction?.mailbox, ALICE.address);
    assert.deepEqual(restriction?.evidence.sampleSubjects, ['Invoice 1']);
    const alerts = await harness.app.alerts.list({ mailbox: ALICE.address });
    assert.ok(alerts.some((alert) => alert.type === 'user-restricted' && alert.severity === 'high'));
  });

  test('a restricted sender can still sign in (to change the password) but not send', async () => {
    const { client } = await SmtpDialogue.connect(harness.smtpPort);
    await client.command('EHLO client.test');
    await client.startTls();
    await client.command('EHLO client.test');
    assert.equal((await client.authPlain(ALICE.address, ALICE.password)).code, 235);
    const mail = await client.command(`MAIL FROM:<${ALICE.address}>`);
    assert.equal(mail.code, 550);
    assert.equal(mail.text, '5.1.8 Access denied, bad outbound sender');
    await client.quit();
  });

  test('after the password change, MFA and a release the account sends up to its limit again, and one more restricts it again', async () => {
    assert.ok((await harness.app.directory.setPassword(ALICE.address, 'new-alice-password-9', admin)).ok);
    assert.ok((await harness.app.identity.mfa.enforce(ALICE.address, admin)).ok);
    const released = await harness.app.outbound.release(
      ALICE.address,
      { reason: 'password reset after phishing' },
      admin,
    );
    assert.ok(released.ok, JSON.stringify(released));
    // With MFA on, mail clients sign in with an app password only.
    const laptop = await harness.app.identity.createAppPassword(
      ALICE.address,
      { name: 'laptop', scopes: ['smtp'] },
      admin,
    );
    assert.ok(laptop.ok);
    const client = nodemailer.createTransport({
      host: '127.0.0.1',
      port: harness.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: ALICE.address, pass: laptop.password },
    });
    const info = await client.sendMail({
      from: ALICE.address,
      to: ['f@customer.test', 'g@customer.test'],
      subject: 'back to normal',
      text: 'hi',
    });
    assert.match(info.response, /^250 /);
    const third = await client.sendMail({ from: ALICE.address, to: ['h@customer.test'], text: 'hi' });
    assert.match(third.response, /^250 /, 'what was sent before the release no longer counts');
    await assert.rejects(
      client.sendMail({ from: ALICE.address, to: ['i@customer.test'], subject: 'again', text: 'hi' }),
      (error: { response?: string }) => {
        assert.match(error.response ?? '', /^550 5\.1\.90 /);
        return true;
      },
    );
    assert.equal(
      await harness.app.outbound.isRestricted((await harness.app.directory.findUser(ALICE.address))!.id),
      true,
    );
    const { records } = await harness.app.audit.search({
      mailbox: ALICE.address,
      operations: ['RestrictSender'],
    });
    assert.equal(records.length, 2, 'a new RestrictSender record');
    const restricted = (await harness.app.alerts.list({ mailbox: ALICE.address })).filter(
      (alert) => alert.type === 'user-restricted',
    );
    assert.equal(restricted.length, 2, 'a new alert, not a repeat counted on the first');
  });
});
