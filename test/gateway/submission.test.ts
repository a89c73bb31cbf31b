import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { SmtpDialogue } from '../support/smtp-dialogue.js';
import { storeKinds } from '../support/test-app.js';

function transportFor(harness: GatewayHarness, auth: { user: string; pass: string }, secure = false) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: secure ? harness.smtpsPort : harness.smtpPort,
    secure,
    requireTLS: !secure,
    tls: { rejectUnauthorized: false },
    auth,
  });
}

async function signedIn(harness: GatewayHarness, user = ALICE.address, password = ALICE.password) {
  const { client } = await SmtpDialogue.connect(harness.smtpPort);
  await client.command('EHLO client.test');
  await client.startTls();
  await client.command('EHLO client.test');
  const auth = await client.authPlain(user, password);
  assert.equal(auth.code, 235);
  return client;
}

for (const kind of storeKinds)
  describe(`submission gateway with an upstream relay (${kind})`, () => {
    let harness: GatewayHarness;
    before(async () => {
      harness = await startGatewayHarness({ kind });
    });
    after(async () => {
      await harness.cleanup();
    });

    test('relays a message from nodemailer over STARTTLS and records Send with Message-ID and subject', async () => {
      const info = await transportFor(harness, { user: ALICE.address, pass: ALICE.password }).sendMail({
        from: ALICE.address,
        to: ['carol@customer.test', 'dave@customer.test'],
        subject: 'Quarterly figures — ünïcode',
        text: 'See attached.',
        messageId: '<figures-1@example.org>',
      });
      assert.match(info.response, /^250 /);
      const relayed = harness.upstream!.received.find((m) => m.raw.includes('figures-1@example.org'));
      assert.ok(relayed, 'the upstream received the message');
      assert.equal(relayed.from, ALICE.address);
      assert.deepEqual(relayed.to, ['carol@customer.test', 'dave@customer.test']);
      const page = await harness.app.audit.search({ mailbox: ALICE.address, operations: ['Send'] });
      const record = page.records.find((r) => r.messageId === '<figures-1@example.org>');
      assert.ok(record, 'a Send record exists');
      assert.equal(record.subject, 'Quarterly figures — ünïcode');
      assert.equal(record.result, 'success');
      assert.equal(record.clientIp, '127.0.0.1');
      assert.equal(record.details?.['recipientCount'], 2);
      assert.equal(typeof record.details?.['sizeBytes'], 'number');
      // The client reads Mailwarden's words and id; the upstream's acceptance stays in the record.
      assert.match(String(record.details?.['delivery']), /queued/);
      assert.match(String(record.details?.['queuedAs']), /^[0-9a-f-]{36}$/);
      assert.match(
        info.response,
        new RegExp(`^250 2\\.6\\.0 Ok: queued as ${record.details?.['queuedAs']}$`),
      );
    });

    test('relays over implicit TLS on the submissions port', async () => {
      const info = await transportFor(harness, { user: BOB.address, pass: BOB.password }, true).sendMail({
        from: BOB.address,
        to: 'carol@customer.test',
        subject: 'implicit tls',
        text: 'hello',
      });
      assert.match(info.response, /^250 /);
    });

    test('records SendAs when the envelope sender is an alias of the signed-in user', async () => {
      await transportFor(harness, { user: ALICE.address, pass: ALICE.password }).sendMail({
        envelope: { from: ALICE.alias, to: ['carol@customer.test'] },
        from: ALICE.alias,
        to: 'carol@customer.test',
        subject: 'from the sales alias',
        text: 'offer',
      });
      const page = await harness.app.audit.search({ mailbox: ALICE.address, operations: ['SendAs'] });
      assert.equal(page.records[0]?.subject, 'from the sales alias');
      assert.equal(page.records[0]?.details?.['from'], ALICE.alias);
    });

    test('refuses AUTH before STARTTLS with 530 5.7.0', async () => {
      const { client } = await SmtpDialogue.connect(harness.smtpPort);
      await client.command('EHLO client.test');
      const reply = await client.authPlain(ALICE.address, ALICE.password);
      assert.equal(reply.code, 530);
      assert.equal(reply.text, '5.7.0 Must issue a STARTTLS command first');
      await client.quit();
    });

    test('refuses MAIL FROM before AUTH', async () => {
      const { client } = await SmtpDialogue.connect(harness.smtpPort);
      await client.command('EHLO client.test');
      await client.startTls();
      await client.command('EHLO client.test');
      const reply = await client.command(`MAIL FROM:<${ALICE.address}>`);
      assert.equal(reply.code, 530);
      await client.quit();
    });

    test('answers a wrong password with 535 5.7.8 and records a failed MailboxLogin', async () => {
      const { client } = await SmtpDialogue.connect(harness.smtpPort);
      await client.command('EHLO client.test');
      await client.startTls();
      await client.command('EHLO client.test');
      const reply = await client.authPlain(ALICE.address, 'not-the-password!');
      assert.equal(reply.code, 535);
      assert.match(reply.text, /^5\.7\.8 /);
      await client.quit();
      const page = await harness.app.audit.search({
        mailbox: ALICE.address,
        operations: ['MailboxLogin'],
        result: 'failure',
      });
      assert.equal(page.records[0]?.details?.['reason'], 'wrong-password');
      assert.equal(page.records[0]?.protocol, 'smtp');
      assert.equal(page.records[0]?.clientIp, '127.0.0.1');
    });

    test('answers an unknown user exactly like a wrong password', async () => {
      const { client } = await SmtpDialogue.connect(harness.smtpPort);
      await client.command('EHLO client.test');
      await client.startTls();
      await client.command('EHLO client.test');
      const reply = await client.authPlain('nobody@example.org', 'whatever-password');
      assert.equal(reply.code, 535);
      assert.equal(reply.text, '5.7.8 Authentication credentials invalid');
      await client.quit();
    });

    test('records a successful MailboxLogin', async () => {
      const client = await signedIn(harness, BOB.address, BOB.password);
      await client.quit();
      const page = await harness.app.audit.search({
        mailbox: BOB.address,
        operations: ['MailboxLogin'],
        result: 'success',
      });
      assert.ok(page.records.length >= 1);
    });

    test('refuses a sender address that is not the user’s with 550 5.7.60', async () => {
      const client = await signedIn(harness);
      const reply = await client.command(`MAIL FROM:<${BOB.address}>`);
      assert.equal(reply.code, 550);
      assert.equal(reply.text, '5.7.60 Client does not have permissions to send as this sender');
      const own = await client.command(`MAIL FROM:<${ALICE.address.toUpperCase()}>`);
      assert.equal(own.code, 250, 'the own address is accepted in any letter case');
      await client.quit();
    });

    test('a disabled user cannot sign in, and can again once enabled', async () => {
      const actor = { actor: 'test', logonType: 'admin' as const };
      await harness.app.directory.setDisabled(BOB.address, true, actor);
      const { client } = await SmtpDialogue.connect(harness.smtpPort);
      await client.command('EHLO client.test');
      await client.startTls();
      await client.command('EHLO client.test');
      const reply = await client.authPlain(BOB.address, BOB.password);
      assert.equal(reply.code, 535);
      assert.match(reply.text, /^5\.7\.8 Account disabled/);
      await client.quit();
      await harness.app.directory.setDisabled(BOB.address, false, actor);
      const again = await signedIn(harness, BOB.address, BOB.password);
      await again.quit();
    });

    test('a password change takes effect at once, even for a password verified moments before', async () => {
      const first = await signedIn(harness, BOB.address, BOB.password);
      await first.quit();
      const actor = { actor: 'test', logonType: 'admin' as const };
      const changed = await harness.app.directory.setPassword(BOB.address, 'a-brand-new-password', actor);
      assert.ok(changed.ok);
      const { client } = await SmtpDialogue.connect(harness.smtpPort);
      await client.command('EHLO client.test');
      await client.startTls();
      await client.command('EHLO client.test');
      const reply = await client.authPlain(BOB.address, BOB.password);
      assert.equal(reply.code, 535, 'the old password no longer works');
      await client.quit();
      const fresh = await signedIn(harness, BOB.address, 'a-brand-new-password');
      await fresh.quit();
      await harness.app.directory.setPassword(BOB.address, BOB.password, actor);
    });

    test('announces the size limit in EHLO and refuses a larger message with 552', async () => {
      const client = await signedIn(harness);
      const ehlo = await client.command('EHLO client.test');
      assert.ok(
        ehlo.lines.some((line) => /^250[- ]SIZE 36700160$/.test(line)),
        ehlo.lines.join('|'),
      );
      const declared = await client.command(`MAIL FROM:<${ALICE.address}> SIZE=999999999`);
      assert.equal(declared.code, 552);
      await client.quit();
    });

    test("passes a permanent upstream refusal back as 5xx and a temporary one as 4xx, in Mailwarden's words", async () => {
      const transport = transportFor(harness, { user: ALICE.address, pass: ALICE.password });
      harness.upstream!.setMode('refuse');
      try {
        await assert.rejects(
          transport.sendMail({ from: ALICE.address, to: 'x@customer.test', subject: 'refused', text: 'x' }),
          (error: { responseCode?: number; response?: string }) => {
            // The upstream's class and enhanced status, never its text (which names the internal MTA).
            assert.equal(error.response, '554 5.7.1 The next server refused the message');
            return true;
          },
        );
        harness.upstream!.setMode('temporary-failure');
        await assert.rejects(
          transport.sendMail({ from: ALICE.address, to: 'x@customer.test', subject: 'later', text: 'x' }),
          (error: { responseCode?: number; response?: string }) => {
            assert.equal(
              error.response,
              '451 4.4.1 The next server did not take the message, try again later',
            );
            return true;
          },
        );
      } finally {
        harness.upstream!.setMode('accept');
      }
      const failures = await harness.app.audit.search({
        mailbox: ALICE.address,
        operations: ['Send'],
        result: 'failure',
      });
      const refused = failures.records.find((r) => r.subject === 'refused');
      assert.match(String(refused?.details?.['upstream']), /refused by policy/, 'the upstream text is kept');
      const later = failures.records.find((r) => r.subject === 'later');
      assert.match(String(later?.details?.['upstream']), /Try again later/);
    });

    test('delivers to the recipients the upstream accepts and bounces the refused ones to the sender', async () => {
      harness.upstream!.setMode('refuse-some-recipients');
      try {
        const info = await transportFor(harness, { user: ALICE.address, pass: ALICE.password }).sendMail({
          from: ALICE.address,
          to: ['carol@customer.test', 'nobody@customer.test'],
          subject: 'partly refused',
          text: 'x',
        });
        assert.match(info.response, /^250 /);
      } finally {
        harness.upstream!.setMode('accept');
      }
      const deadline = Date.now() + 5000;
      let bounce: (typeof harness.upstream extends infer U ? U : never) extends null ? never : unknown;
      do {
        bounce = harness.upstream!.received.find(
          (m) => m.from === '' && m.raw.includes('nobody@customer.test'),
        );
        if (!bounce) await new Promise((resolve) => setTimeout(resolve, 50));
      } while (!bounce && Date.now() < deadline);
      assert.ok(bounce, 'a bounce went to the sender');
    });

    test('survives malformed commands, overlong lines and clients that hang up mid-message', async () => {
      const { client } = await SmtpDialogue.connect(harness.smtpPort);
      assert.equal((await client.command('EHLO')).code, 501);
      assert.equal((await client.command('FOO BAR')).code, 500);
      const overlong = await client.command(`NOOP ${'x'.repeat(20_000)}`);
      // RFC 5321 §4.5.3.1.4: a line over the limit gets 500, or the server gives up with 421.
      assert.ok(
        [421, 500].includes(overlong.code),
        `overlong line answered ${overlong.code} ${overlong.text}`,
      );
      client.destroy();

      const midData = await signedIn(harness);
      await midData.command(`MAIL FROM:<${ALICE.address}>`);
      await midData.command('RCPT TO:<carol@customer.test>');
      await midData.command('DATA');
      midData.write('Subject: cut off\r\n\r\npartial body without the final dot');
      midData.destroy();

      const binary = await SmtpDialogue.connect(harness.smtpPort);
      binary.client.write(Buffer.from([0, 1, 2, 255, 254, 13, 10]));
      await binary.client.read();
      binary.client.destroy();

      const healthy = await signedIn(harness);
      assert.equal((await healthy.command(`MAIL FROM:<${ALICE.address}>`)).code, 250);
      await healthy.quit();
      assert.ok(
        !harness.upstream!.received.some((m) => m.raw.includes('cut off')),
        'a cut-off message is not relayed',
      );
    });

    test('caps recipients per message at the policy’s limit with 452 4.5.3, without restricting', async () => {
      const admin = { actor: 'test', logonType: 'admin' as const };
      const set = await harness.app.outbound.setPolicy(
        'small-messages',
        { settings: { perMessage: 5 }, scope: { users: [ALICE.address] } },
        admin,
      );
      assert.ok(set.ok);
      try {
        const client = await signedIn(harness);
        await client.command(`MAIL FROM:<${ALICE.address}>`);
        const codes: number[] = [];
        for (let index = 0; index < 6; index++)
          codes.push((await client.command(`RCPT TO:<r${index}@customer.test>`)).code);
        assert.deepEqual(codes, [250, 250, 250, 250, 250, 452]);
        const sixth = await client.command('RCPT TO:<r6@customer.test>');
        assert.equal(sixth.text, '4.5.3 Too many recipients');
        await client.quit();
        assert.equal(
          await harness.app.outbound.isRestricted((await harness.app.directory.findUser(ALICE.address))!.id),
          false,
        );
      } finally {
        await harness.app.outbound.deletePolicy('small-messages', admin);
      }
    });
  });

describe('submission gateway when the upstream is down', () => {
  let harness: GatewayHarness;
  before(async () => {
    harness = await startGatewayHarness({ relay: 'closed-port' });
  });
  after(async () => {
    await harness.cleanup();
  });

  test('answers 4xx so that the client keeps the message and retries', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: harness.smtpPort,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: ALICE.address, pass: ALICE.password },
    });
    await assert.rejects(
      transport.sendMail({ from: ALICE.address, to: 'x@customer.test', subject: 'outage', text: 'x' }),
      (error: { responseCode?: number; response?: string }) => {
        assert.equal(error.responseCode, 451);
        assert.match(error.response ?? '', /^451 4\.4\.1 /);
        return true;
      },
    );
  });
});
