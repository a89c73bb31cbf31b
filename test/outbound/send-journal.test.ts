import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type JournalNote, openSendJournal, RESERVATION_TTL_MS } from '../../src/outbound/index.js';
import { readJournalFile } from '../../src/outbound/send-journal.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { addUser, createTestApp, makeTempDir, storeKinds } from '../support/test-app.js';

function noteOf(id: string, user: { id: string; address: string }, atMs = Date.now()): JournalNote {
  return {
    id,
    atMs,
    worker: 1,
    operation: 'Send',
    userId: user.id,
    mailbox: user.address,
    from: user.address,
    recipients: ['a@customer.test', 'b@customer.test'],
    messageId: `<${id}@client.test>`,
    subject: 'Quarterly figures',
    sizeBytes: 2048,
    clientIp: '192.0.2.7',
    clientInfo: 'ehlo:client.test',
    sessionId: `session-${id}`,
    reservationId: `reservation-${id}`,
    internalRecipients: 0,
    externalRecipients: 2,
    policy: 'default',
    policyVersion: 1,
  };
}

describe('send journal file', () => {
  test('compaction keeps every open note and drops the closed ones, whatever the file grew to', () => {
    const temp = makeTempDir();
    try {
      const journal = openSendJournal(temp.dir, 3);
      const user = { id: 'user-1', address: 'alice@example.org' };
      // About 800 bytes per note and close: 12,000 messages pass the 4 MiB compaction size twice.
      journal.note(noteOf('kept-1', user));
      for (let index = 0; index < 12_000; index++) {
        journal.note(noteOf(`done-${index}`, user));
        if (index === 6000) journal.note(noteOf('kept-2', user));
        journal.close(`done-${index}`);
      }
      assert.equal(journal.openCount(), 2);
      const contents = readJournalFile(journal.file);
      assert.deepEqual(
        contents.open.map((note) => note.id),
        ['kept-1', 'kept-2'],
      );
      assert.deepEqual(contents.problems, []);
      assert.ok(statSync(journal.file).size < 4 * 1024 * 1024, 'the file was compacted');
      assert.equal(statSync(journal.file).mode & 0o777, 0o600);
      journal.shut();
    } finally {
      temp.remove();
    }
  });
});

for (const kind of storeKinds)
  describe(`send journal recovery (${kind})`, () => {
    test('a note recovered twice (a start killed midway) is one Send record, counted once, its reservation gone; a note whose record exists is skipped', async () => {
      const { app, dataDir, cleanup } = await createTestApp(kind);
      try {
        const user = await addUser(app, 'alice@example.org');
        const note = noteOf('killed-mid-relay', { id: user.id, address: user.address });
        await app.store.db
          .insertInto('send_reservations')
          .values({
            id: note.reservationId,
            user_id: user.id,
            internal_recipients: 0,
            external_recipients: 2,
            expires_at: Date.now() + RESERVATION_TTL_MS,
          })
          .execute();
        // A message the relay refused: its failure record committed, then the process died before
        // the closing line. It is recorded already and must not be recorded again.
        const refused = noteOf('refused-then-killed', { id: user.id, address: user.address });
        await app.audit.append({
          operation: 'Send',
          result: 'failure',
          mailbox: user.address,
          actor: user.address,
          logonType: 'owner',
          messageId: refused.messageId,
          details: { failure: 'permanent', upstream: '554 no', journalId: refused.id },
        });
        const journal = openSendJournal(dataDir, 1);
        journal.note(refused);
        journal.note(note);
        journal.shut();

        for (let start = 0; start < 2; start++) {
          const outcome = await app.outbound.recoverSendJournals([journal.file], silentLogger);
          assert.deepEqual(outcome, { recovered: start === 0 ? 1 : 0, problems: [] });
        }
        const page = await app.audit.search({
          mailbox: user.address,
          operations: ['Send'],
          result: 'success',
        });
        assert.equal(page.records.length, 1);
        assert.equal(page.records[0]?.details?.['outcome'], 'unknown');
        assert.equal(page.records[0]?.details?.['queuedAs'], note.id);
        const counted = await app.store.db
          .selectFrom('send_counters')
          .select((eb) => [
            eb.fn.sum<number | string>('messages').as('messages'),
            eb.fn.sum<number | string>('external_recipients').as('external'),
          ])
          .where('user_id', '=', user.id)
          .executeTakeFirst();
        assert.deepEqual(
          { messages: Number(counted?.messages), external: Number(counted?.external) },
          {
            messages: 1,
            external: 2,
          },
        );
        const reservations = await app.store.db.selectFrom('send_reservations').selectAll().execute();
        assert.deepEqual(reservations, []);
        assert.equal((await app.audit.verify()).ok, true);
      } finally {
        await cleanup();
      }
    });
  });
