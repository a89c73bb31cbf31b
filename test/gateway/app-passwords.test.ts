import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { cliActor, storeKinds } from '../support/test-app.js';

const run = promisify(execFile);
const SMTPLIB_CLIENT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/clients/smtplib_submit.py',
);

async function smtplib(port: number, user: string, password: string, from: string) {
  const { stdout } = await run(
    'python3',
    [SMTPLIB_CLIENT, String(port), user, password, from, 'carol@customer.test', 'app password test'],
    { timeout: 30_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as { ok: boolean; code: number; reply: string };
}

for (const kind of storeKinds) {
  describe(`the submission gateway and app passwords (${kind})`, () => {
    let harness: GatewayHarness;
    let alicePassword = '';
    const nodemailerSend = (user: string, pass: string) =>
      nodemailer
        .createTransport({
          host: '127.0.0.1',
          port: harness.smtpPort,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          auth: { user, pass },
        })
        .sendMail({ from: user, to: 'carol@customer.test', subject: 'hello', text: 'hi' })
        .then(
          () => 'sent',
          (error: { response?: string }) => error.response ?? String(error),
        );

    before(async () => {
      // The product default: mail clients need app passwords.
      harness = await startGatewayHarness({ kind, accountPasswordOnMail: 'app-passwords-only' });
      const created = await harness.app.identity.createAppPassword(
        ALICE.address,
        { name: 'phone', scopes: ['smtp'] },
        cliActor,
      );
      assert.ok(created.ok);
      alicePassword = created.password;
    });
    after(() => harness.cleanup());

    test('the account password on SMTP is refused with exactly 534 5.7.9 Application-specific password required (smtplib)', async () => {
      const result = await smtplib(harness.smtpPort, BOB.address, BOB.password, BOB.address);
      assert.equal(result.code, 534);
      assert.equal(result.reply, '5.7.9 Application-specific password required');
    });

    test('an app password sends mail through the gateway (smtplib and nodemailer)', async () => {
      const result = await smtplib(harness.smtpPort, ALICE.address, alicePassword, ALICE.address);
      assert.deepEqual(result, { ok: true, code: 250, reply: 'sent', stage: 'send' });
      assert.equal(await nodemailerSend(ALICE.address, alicePassword), 'sent');
    });

    test('an MFA user gets 534 5.7.9 for the account password even where the org allows account passwords', async () => {
      const changed = await harness.app.settings.change(
        { 'mailSignIn.accountPassword': 'allowed' },
        cliActor,
      );
      assert.ok(changed.ok);
      assert.equal(await nodemailerSend(BOB.address, BOB.password), 'sent');
      await harness.app.store.db
        .updateTable('users')
        .set({ mfa_state: 'enabled' })
        .where('address', '=', BOB.address)
        .execute();
      assert.equal(
        await nodemailerSend(BOB.address, BOB.password),
        '534 5.7.9 Application-specific password required',
      );
      await harness.app.settings.change({ 'mailSignIn.accountPassword': 'app-passwords-only' }, cliActor);
    });

    test('a revoked app password gets 535 5.7.8 on the next AUTH', async () => {
      assert.ok((await harness.app.identity.revokeAppPassword(ALICE.address, 'phone', cliActor)).ok);
      assert.equal(
        await nodemailerSend(ALICE.address, alicePassword),
        '535 5.7.8 Authentication credentials invalid',
      );
    });
  });
}
