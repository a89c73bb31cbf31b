import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { buildApp } from '../../src/app.js';
import type { AuditRecord } from '../../src/audit/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { startServer } from '../../src/server.js';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { addUser, createPostgresDatabase, makeTempDir, storeKinds, testConfig } from '../support/test-app.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };

function transport(port: number, user: { address: string; password: string }, pool = false) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: user.address, pass: user.password },
    ...(pool ? { pool: true, maxConnections: 1, maxMessages: Number.POSITIVE_INFINITY } : {}),
  });
}

/** The SMTP reply a refused sendMail got. */
async function refusedWith(sending: Promise<unknown>): Promise<string> {
  try {
    await sending;
  } catch (error) {
    return (error as { response?: string }).response ?? String(error);
  }
  assert.fail('the submission was accepted');
}

async function failures(app: GatewayHarness['app'], mailbox?: string): Promise<AuditRecord[]> {
  await app.outbound.refusals.flush();
  const page = await app.audit.search({
    result: 'failure',
    operations: ['Send', 'SendAs'],
    ...(mailbox ? { mailbox } : {}),
  });
  return page.records;
}

/** Credential phishing, held in quarantine by the policy's spamAction hold. */
function phishing(from: string) {
  return {
    from,
    to: ['victim@customer.test'],
    subject: 'Urgent: verify your account',
    text: 'Your password expires today. Verify your account now or it will be suspended.',
    html:
      '<p>Your password expires today. <a href="http://bit.ly/3xYz">https://login.microsoftonline.com/verify</a> ' +
      'Verify your account now or it will be suspended.</p>',
    attachments: [{ filename: 'invoice.pdf.exe', content: Buffer.from('MZ fake executable') }],
  };
}

for (const kind of storeKinds) {
  describe(`refused submissions in the audit log (${kind})`, () => {
    test('each kind of refusal, and a held message, leaves exactly one failure record with its reply and reason', async () => {
      const harness = await startGatewayHarness({ kind });
      try {
        const { app } = harness;
        assert.ok(
          (
            await app.outbound.setPolicy(
              'alice',
              {
                settings: { externalPerHour: 3, perMessage: 2, action: 'restrict' },
                scope: { users: [ALICE.address] },
              },
              admin,
            )
          ).ok,
        );
        assert.ok(
          (
            await app.outbound.setPolicy(
              'bob',
              { settings: { perMinute: 1, spamAction: 'hold' }, scope: { users: [BOB.address] } },
              admin,
            )
          ).ok,
        );
        const alice = transport(harness.smtpPort, ALICE);
        const bob = transport(harness.smtpPort, BOB);
        assert.match(
          await refusedWith(alice.sendMail({ from: 'ceo@example.org', to: 'x@customer.test', text: 'pay' })),
          /^550 5\.7\.60 /,
        );
        const partly = await alice.sendMail({
          from: ALICE.address,
          to: ['a@customer.test', 'b@customer.test', 'c@customer.test'],
          text: 'three',
        });
        assert.deepEqual(partly.rejected, ['c@customer.test'], 'the third recipient got 452 4.5.3');
        assert.match(
          await refusedWith(
            alice.sendMail({ from: ALICE.address, to: ['d@customer.test', 'e@customer.test'], text: 'x' }),
          ),
          /^550 5\.1\.90 /,
        );
        assert.match(
          await refusedWith(alice.sendMail({ from: ALICE.address, to: 'f@customer.test', text: 'x' })),
          /^550 5\.1\.8 /,
        );
        const held = await bob.sendMail(phishing(BOB.address));
        assert.match(held.response, /^250 .*queued as /);
        await bob.sendMail({ from: BOB.address, to: 'g@customer.test', text: 'fine' });
        assert.match(
          await refusedWith(bob.sendMail({ from: BOB.address, to: 'h@customer.test', text: 'again' })),
          /^451 4\.7\.1 /,
        );

        const records = await failures(app);
        const byRefusal = new Map(records.map((record) => [record.details?.['refusal'], record]));
        assert.equal(records.length, 6, JSON.stringify(records.map((record) => record.details)));
        const expected: Array<[string, string, string, string]> = [
          [
            'sender-not-allowed',
            'SendAs',
            '550 5.7.60',
            'Client does not have permissions to send as this sender',
          ],
          ['too-many-recipients', 'Send', '452 4.5.3', 'Too many recipients'],
          [
            'hourly-limit-reached',
            'Send',
            '550 5.1.90',
            "Your message can't be sent because you've reached your hourly limit for message recipients",
          ],
          ['sender-restricted', 'Send', '550 5.1.8', 'Access denied, bad outbound sender'],
          [
            'rate-limited',
            'Send',
            '451 4.7.1',
            'Too many messages in the last minute, slow down and try again later',
          ],
        ];
        for (const [refusal, operation, reply, reason] of expected) {
          const record = byRefusal.get(refusal);
          assert.ok(record, `a record for ${refusal}`);
          assert.equal(record.operation, operation);
          assert.equal(record.result, 'failure');
          assert.equal(record.protocol, 'smtp');
          assert.equal(record.clientIp, '127.0.0.1');
          assert.equal(record.details?.['reply'], reply);
          assert.equal(record.details?.['reason'], reason);
          assert.equal(record.details?.['count'], 1);
        }
        assert.equal(byRefusal.get('sender-not-allowed')?.details?.['from'], 'ceo@example.org');
        assert.deepEqual(byRefusal.get('too-many-recipients')?.details?.['recipients'], ['c@customer.test']);
        assert.deepEqual(byRefusal.get('hourly-limit-reached')?.details?.['recipients'], ['e@customer.test']);

        const [heldSend] = await failures(app, BOB.address).then((found) =>
          found.filter((record) => record.details?.['refusal'] === 'held'),
        );
        assert.ok(heldSend, 'a search by the mailbox shows the held send');
        assert.equal(heldSend.operation, 'Send');
        assert.equal(heldSend.subject, 'Urgent: verify your account');
        assert.equal(heldSend.details?.['reply'], '250');
        assert.match(String(heldSend.details?.['reason']), /^held in quarantine as spam/);
        const [quarantined] = await app.outbound.quarantine.list({ mailbox: BOB.address });
        assert.deepEqual(heldSend.details?.['quarantineIds'], [quarantined?.id]);

        const verified = await app.audit.verify();
        assert.ok(verified.ok, JSON.stringify(verified));
      } finally {
        await harness.cleanup();
      }
    });

    test('a burst of 50 identical refusals is one record with count 50, and the chain verifies', async () => {
      const harness = await startGatewayHarness({ kind });
      try {
        const pooled = transport(harness.smtpPort, ALICE, true);
        for (let n = 0; n < 50; n++) {
          assert.match(
            await refusedWith(
              pooled.sendMail({ from: 'ceo@example.org', to: `v${n}@customer.test`, text: 'x' }),
            ),
            /^550 5\.7\.60 /,
          );
        }
        pooled.close();
        const records = await failures(harness.app, ALICE.address);
        assert.equal(records.length, 1);
        const [record] = records;
        assert.equal(record?.details?.['count'], 50);
        assert.equal(record?.details?.['refusal'], 'sender-not-allowed');
        assert.ok(
          Date.parse(String(record?.details?.['firstAt'])) <= Date.parse(String(record?.details?.['lastAt'])),
        );
        const verified = await harness.app.audit.verify();
        assert.ok(verified.ok, JSON.stringify(verified));
      } finally {
        await harness.cleanup();
      }
    });

    test('a clean shutdown in the middle of a burst window writes what it gathered', async () => {
      const temp = makeTempDir();
      const postgres = kind === 'postgres' ? await createPostgresDatabase() : null;
      const config = testConfig({
        dataDir: temp.dir,
        databaseUrl: postgres?.url ?? null,
        overrides: { 'http.enabled': false, 'relay.url': null, 'shutdown.graceMs': 2000 },
      });
      const app = await buildApp(config, { logger: silentLogger });
      let server: Awaited<ReturnType<typeof startServer>> | null = null;
      let closed = false;
      try {
        await addUser(app, ALICE.address, ALICE.password);
        assert.ok(
          (
            await app.settings.change(
              { 'mailSignIn.accountPassword': 'allowed' },
              { actor: 'test', logonType: 'admin' },
            )
          ).ok,
        );
        server = await startServer(app);
        const port = server.smtpPorts().find((listener) => listener.mode === 'starttls')?.port ?? 0;
        const pooled = transport(port, ALICE, true);
        for (let n = 0; n < 7; n++)
          await refusedWith(pooled.sendMail({ from: 'ceo@example.org', to: 'v@customer.test', text: 'x' }));
        pooled.close();
        assert.equal(app.outbound.refusals.openGroups(), 1, 'the burst window is still open');
        await server.stop();
        await app.close();
        closed = true;

        const reopened = await buildApp(config, { logger: silentLogger });
        try {
          const { records } = await reopened.audit.search({ result: 'failure', operations: ['SendAs'] });
          assert.equal(records.length, 1);
          assert.equal(records[0]?.details?.['count'], 7);
          const verified = await reopened.audit.verify();
          assert.ok(verified.ok, JSON.stringify(verified));
        } finally {
          await reopened.close();
        }
      } finally {
        if (!closed) {
          await server?.stop();
          await app.close();
        }
        await postgres?.drop();
        temp.remove();
      }
    });
  });
}
