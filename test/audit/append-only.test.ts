import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { AuditRecordInput } from '../../src/audit/index.js';
import { createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const login: AuditRecordInput = {
  operation: 'MailboxLogin',
  result: 'success',
  mailbox: 'alice@example.org',
  actor: 'alice@example.org',
  logonType: 'owner',
};

for (const kind of storeKinds) {
  describe(`audit_log is append-only on ${kind}`, () => {
    let harness: TestApp;
    let before3: unknown[];

    before(async () => {
      harness = await createTestApp(kind);
      for (let index = 0; index < 3; index++)
        await harness.app.audit.append({ ...login, sessionId: `s${index}` });
      before3 = await harness.app.store.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    });
    after(async () => {
      await harness.cleanup();
    });

    test('refuses UPDATE of an audit record at the database level', async () => {
      await assert.rejects(
        harness.app.store.db.updateTable('audit_log').set({ actor: 'mallory' }).where('id', '=', 2).execute(),
        /append-only/,
      );
      await assert.rejects(
        sql`update audit_log set subject = 'forged'`.execute(harness.app.store.db),
        /append-only/,
      );
    });

    test('refuses DELETE of an audit record at the database level', async () => {
      await assert.rejects(
        harness.app.store.db.deleteFrom('audit_log').where('id', '=', 3).execute(),
        /append-only/,
      );
      await assert.rejects(sql`delete from audit_log`.execute(harness.app.store.db), /append-only/);
    });

    if (kind === 'postgres') {
      test('refuses TRUNCATE of the audit log at the database level', async () => {
        await assert.rejects(sql`truncate audit_log`.execute(harness.app.store.db), /append-only/);
      });
    }

    test('refuses UPDATE or DELETE of the search key of a record that is still kept', async () => {
      assert.equal(await harness.app.audit.writeSearchKeys(), 3);
      const keys = () => harness.app.store.db.selectFrom('audit_search_keys').selectAll().execute();
      const before = await keys();
      assert.equal(before.length, 3, 'one mailbox key per record');
      await assert.rejects(
        harness.app.store.db.deleteFrom('audit_search_keys').where('record_id', '=', 2).execute(),
        /append-only/,
      );
      await assert.rejects(
        sql`update audit_search_keys set search_key = 'm:mallory@example.org'`.execute(harness.app.store.db),
        /append-only/,
      );
      if (kind === 'postgres')
        await assert.rejects(sql`truncate audit_search_keys`.execute(harness.app.store.db), /append-only/);
      assert.deepEqual(await keys(), before);
    });

    test('refuses changes inside a write transaction too, and the transaction rolls back', async () => {
      await assert.rejects(
        harness.app.store.writeTransaction(async (trx) => {
          await trx.insertInto('meta').values({ key: 'attempt', value: 'x' }).execute();
          await trx.deleteFrom('audit_log').execute();
        }),
        /append-only/,
      );
      const meta = await harness.app.store.db
        .selectFrom('meta')
        .selectAll()
        .where('key', '=', 'attempt')
        .execute();
      assert.deepEqual(meta, []);
    });

    test('the refused statements changed nothing and the chain still verifies', async () => {
      const now = await harness.app.store.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
      assert.deepEqual(now, before3);
      const outcome = await harness.app.audit.verify();
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(outcome.recordsChecked, 3);
    });

    test('appending still works after refused changes', async () => {
      await harness.app.audit.append({ ...login, sessionId: 's3' });
      const outcome = await harness.app.audit.verify();
      assert.ok(outcome.ok);
      assert.equal(outcome.headId, 4);
    });
  });
}
