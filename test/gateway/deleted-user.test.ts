import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { cliActor, storeKinds } from '../support/test-app.js';

for (const kind of storeKinds) {
  describe(`a deleted user on the submission gateway (${kind})`, () => {
    let harness: GatewayHarness;
    let alicePassword = '';
    const send = (user: string, pass: string) =>
      nodemailer
        .createTransport({
          host: '127.0.0.1',
          port: harness.smtpPort,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          auth: { user, pass },
        })
        .sendMail({ from: user, to: 'carol@customer.test', subject: 'before the delete', text: 'hi' })
        .then(
          () => 'sent',
          (error: { response?: string }) => error.response ?? String(error),
        );

    before(async () => {
      // Account passwords allowed on mail: bob's verified password sits in the credential cache.
      harness = await startGatewayHarness({ kind, accountPasswordOnMail: 'allowed' });
      const created = await harness.app.identity.createAppPassword(
        ALICE.address,
        { name: 'phone', scopes: ['smtp'] },
        cliActor,
      );
      assert.ok(created.ok);
      alicePassword = created.password;
    });
    after(() => harness.cleanup());

    test('the app password and the cached account password get 535 at once after the delete', async () => {
      assert.equal(await send(ALICE.address, alicePassword), 'sent');
      assert.equal(await send(BOB.address, BOB.password), 'sent');
      for (const user of [ALICE.address, BOB.address])
        assert.ok((await harness.app.directory.removeUser(user, cliActor)).ok, user);
      assert.equal(await send(ALICE.address, alicePassword), '535 5.7.8 Authentication credentials invalid');
      assert.equal(await send(BOB.address, BOB.password), '535 5.7.8 Authentication credentials invalid');
    });

    test('a restricted user can be deleted and the restriction, its evidence, stays', async () => {
      const carol = await harness.app.directory.createUser(
        { address: 'carol@example.org', password: 'carol-password-890' },
        cliActor,
      );
      assert.ok(carol.ok);
      const id = randomUUID();
      await harness.app.store.db
        .insertInto('restrictions')
        .values({
          id,
          user_id: carol.user.id,
          reason: 'daily-limit',
          policy_name: 'default',
          action: 'restrict',
          since: Date.now(),
          until: null,
          evidence: JSON.stringify({ sampleSubjects: ['invoice'] }),
          released_at: null,
          released_by: null,
          release_reason: null,
          release_forced: null,
        })
        .execute();
      const removed = await harness.app.directory.removeUser(carol.user.address, cliActor);
      assert.ok(removed.ok, JSON.stringify(removed));
      const kept = await harness.app.store.db
        .selectFrom('restrictions')
        .select(['user_id', 'evidence'])
        .where('id', '=', id)
        .executeTakeFirst();
      assert.deepEqual(kept, { user_id: carol.user.id, evidence: '{"sampleSubjects":["invoice"]}' });
    });

    test('their sends stay in the audit log, found by mailbox, and the chain verifies', async () => {
      const records = await harness.app.audit.search({ mailbox: ALICE.address, limit: 100 });
      const operations = records.records.map((record) => record.operation);
      for (const operation of ['Send', 'RemoveUser', 'AddUser', 'CreateAppPassword'])
        assert.ok(operations.includes(operation), operation);
      const verified = await harness.app.audit.verify();
      assert.equal(verified.ok, true, JSON.stringify(verified));
    });
  });
}
