import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditRecordInput } from '../../src/audit/index.js';
import { addUser, cliActor, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const read = (mailbox: string, uid: string): AuditRecordInput => ({
  operation: 'HardDelete',
  result: 'success',
  mailbox,
  actor: mailbox,
  logonType: 'owner',
  folder: 'INBOX',
  itemIds: [uid],
});

for (const kind of storeKinds) {
  describe(`per-mailbox auditing on ${kind}`, () => {
    let harness: TestApp;
    before(async () => {
      harness = await createTestApp(kind);
      for (const user of ['alice@example.org', 'bob@example.org', 'carol@example.org'])
        await addUser(harness.app, user);
    });
    after(() => harness.cleanup());

    test('is on for every mailbox by default', async () => {
      assert.deepEqual(await harness.app.audit.mailboxAuditCoverage(), { total: 3, audited: 3 });
      assert.equal((await harness.app.audit.getMailboxAudit('alice@example.org')).enabled, true);
    });

    test('turning it off is an audited admin action, visible in the coverage', async () => {
      const outcome = await harness.app.audit.setMailboxAudit('Bob@Example.org', false, cliActor);
      assert.ok(outcome.ok && outcome.changed);
      assert.deepEqual(await harness.app.audit.mailboxAuditCoverage(), { total: 3, audited: 2 });
      const [record] = (await harness.app.audit.search({ operations: ['DisableMailboxAudit'] })).records;
      assert.equal(record?.mailbox, 'bob@example.org');
      assert.equal(record?.actor, cliActor.actor);
      assert.equal(record?.logonType, 'admin');
      const again = await harness.app.audit.setMailboxAudit('bob@example.org', false, cliActor);
      assert.ok(again.ok && !again.changed, 'setting it to what it is changes and records nothing');
      assert.equal(
        (await harness.app.audit.search({ operations: ['DisableMailboxAudit'] })).records.length,
        1,
      );
      assert.deepEqual(
        (await harness.app.audit.listMailboxAuditOff()).map((setting) => setting.mailbox),
        ['bob@example.org'],
      );
      // Secure Score's "mailbox auditing for all" gives partial credit: 2 of 3 mailboxes.
      const control = (await harness.app.score.report()).controls.find(
        (c) => c.id === 'audit.mailbox-auditing',
      );
      assert.equal(control?.status, 'partial');
      assert.ok(control && control.points > 0 && control.points < control.maxPoints, JSON.stringify(control));
      assert.match(control?.measured.current ?? '', /2 of 3 mailboxes audited/);
    });

    test('item actions of a mailbox with auditing off are not recorded; its sign-ins and sending are', async () => {
      await harness.app.audit.append(read('bob@example.org', '1'));
      await harness.app.audit.append(read('alice@example.org', '2'));
      await harness.app.audit.append({ ...read('bob@example.org', '3'), operation: 'Send', folder: null });
      await harness.app.store.writeTransaction((trx) =>
        harness.app.audit.appendWithin(trx, [read('bob@example.org', '4'), read('alice@example.org', '5')]),
      );
      const bob = await harness.app.audit.search({
        mailbox: 'bob@example.org',
        operations: ['HardDelete', 'Send'],
      });
      assert.deepEqual(
        bob.records.map((record) => record.operation),
        ['Send'],
      );
      const alice = await harness.app.audit.search({
        mailbox: 'alice@example.org',
        operations: ['HardDelete'],
      });
      assert.deepEqual(
        alice.records.map((record) => record.itemIds),
        [['5'], ['2']],
      );
      assert.ok((await harness.app.audit.verify()).ok);
    });

    test('turning it back on is audited too, and records flow again', async () => {
      const outcome = await harness.app.audit.setMailboxAudit('bob@example.org', true, cliActor);
      assert.ok(outcome.ok && outcome.changed);
      await harness.app.audit.append(read('bob@example.org', '6'));
      const bob = await harness.app.audit.search({
        mailbox: 'bob@example.org',
        operations: ['HardDelete', 'EnableMailboxAudit'],
      });
      assert.deepEqual(
        bob.records.map((record) => record.operation),
        ['HardDelete', 'EnableMailboxAudit'],
      );
      assert.deepEqual(await harness.app.audit.mailboxAuditCoverage(), { total: 3, audited: 3 });
    });

    test('refuses a mailbox that does not exist', async () => {
      const outcome = await harness.app.audit.setMailboxAudit('nobody@example.org', false, cliActor);
      assert.ok(!outcome.ok);
      assert.equal(outcome.code, 'mailbox-not-found');
    });
  });
}
