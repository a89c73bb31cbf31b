import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { hashAuditRow } from '../../src/audit/hash-chain.js';
import { createManualClock } from '../../src/runtime/clock.js';
import type { Executor } from '../../src/store/index.js';
import { auditLogRow, ownerLogin } from '../support/audit-rows.js';
import { createTestApp, type StoreKind, storeKinds } from '../support/test-app.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const system = { actor: 'system', logonType: 'system' as const };

/** 20 records, one a day from T0; the clock then stands on day 100. */
async function withAging(
  kind: StoreKind,
  work: (harness: Awaited<ReturnType<typeof createTestApp>>) => Promise<void>,
) {
  const clock = createManualClock(T0);
  const harness = await createTestApp(kind, { clock });
  try {
    for (let day = 0; day < 20; day++) {
      clock.setMs(T0 + day * DAY);
      await harness.app.audit.append({
        operation: 'MailboxLogin',
        result: 'success',
        mailbox: 'alice@example.org',
        actor: 'alice@example.org',
        logonType: 'owner',
        subject: `day ${day}`,
      });
    }
    clock.setMs(T0 + 100 * DAY);
    await work(harness);
  } finally {
    await harness.cleanup();
  }
}

async function dropGuards(kind: StoreKind, db: Executor) {
  if (kind === 'sqlite') {
    await sql`drop trigger audit_log_no_delete`.execute(db);
    await sql`drop trigger audit_log_no_update`.execute(db);
  } else await sql`drop trigger audit_log_no_change on audit_log`.execute(db);
}

for (const kind of storeKinds) {
  describe(`audit retention on ${kind}`, () => {
    test('removes records older than the retention period, audits it, and the rest still verifies', async () => {
      await withAging(kind, async ({ app }) => {
        // Day 100 with 90 days of retention: days 0..9 go, days 10..19 stay.
        const outcome = await app.audit.prune({ retentionDays: 90, actor: system });
        assert.equal(outcome.removed, 10);
        assert.equal(outcome.throughId, 10);
        const remaining = await app.audit.search({ limit: 1000 });
        assert.deepEqual(
          remaining.records.map((record) => record.id),
          [21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11],
        );
        const prune = remaining.records[0]!;
        assert.equal(prune.operation, 'PruneAuditLog');
        assert.equal(prune.actor, 'system');
        assert.equal(prune.details?.['throughId'], 10);
        const verified = await app.audit.verify();
        assert.ok(verified.ok, JSON.stringify(verified));
        assert.equal(verified.recordsChecked, 11);
        // Nothing left to remove: a second run changes nothing and records nothing.
        const again = await app.audit.prune({ retentionDays: 90, actor: system });
        assert.equal(again.removed, 0);
        assert.equal((await app.audit.search({ limit: 1000 })).records.length, 11);
      });
    });

    test('removes the search keys of the records it removes, and the rest are still found by mailbox', async () => {
      await withAging(kind, async ({ app }) => {
        await app.store.writeTransaction((trx) => app.store.auditRows.indexSearchKeys(trx, 20, 0));
        await app.audit.prune({ retentionDays: 90, actor: system });
        const keyed = await app.store.db
          .selectFrom('audit_search_keys')
          .select('record_id')
          .orderBy('record_id')
          .execute();
        // Records 11..20 keep their mailbox key (the test records have no client IP).
        assert.deepEqual(
          keyed.map((key) => Number(key.record_id)),
          [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
        );
        const alice = await app.audit.search({ mailbox: 'alice@example.org', limit: 1000 });
        assert.deepEqual(
          alice.records.map((record) => record.id),
          [20, 19, 18, 17, 16, 15, 14, 13, 12, 11],
        );
      });
    });

    test('a removed record whose time is after the cutoff loses its key on the first run whose cutoff passes it', async () => {
      const clock = createManualClock(T0);
      const harness = await createTestApp(kind, { clock });
      try {
        const { app } = harness;
        // Record 1 carries a later time than record 2 (an item window written after it closed, say).
        for (const day of [50, 5, 60]) {
          clock.setMs(T0 + day * DAY);
          await app.audit.append(ownerLogin('alice@example.org'));
        }
        await app.store.writeTransaction((trx) => app.store.auditRows.indexSearchKeys(trx, 3, 0));
        const keyedIds = async () =>
          (
            await app.store.db
              .selectFrom('audit_search_keys')
              .select('record_id')
              .orderBy('record_id')
              .execute()
          ).map((key) => Number(key.record_id));
        clock.setMs(T0 + 100 * DAY);
        // Cutoff day 10: the chain is cut after record 2, so record 1 goes too, but its key (day 50) stays.
        assert.equal((await app.audit.prune({ retentionDays: 90, actor: system })).throughId, 2);
        assert.deepEqual(await keyedIds(), [1, 3]);
        assert.deepEqual(
          (await app.audit.search({ mailbox: 'alice@example.org' })).records.map((r) => r.id),
          [3],
        );
        clock.setMs(T0 + 145 * DAY);
        // Cutoff day 55: nothing new to remove, but the leftover key is past the cutoff now.
        await app.audit.prune({ retentionDays: 90, actor: system });
        assert.deepEqual(await keyedIds(), [3]);
        assert.ok((await app.audit.verify()).ok);
      } finally {
        await harness.cleanup();
      }
    });

    test('the database still refuses to delete records that no checkpoint covers', async () => {
      await withAging(kind, async ({ app }) => {
        await app.audit.prune({ retentionDays: 90, actor: system });
        await assert.rejects(
          app.store.db.deleteFrom('audit_log').where('id', '=', 11).execute(),
          /append-only/,
        );
        await assert.rejects(
          app.store.db.updateTable('audit_checkpoint').set({ through_id: 15 }).execute(),
          /append-only/,
        );
      });
    });

    test('verify names records removed beyond the checkpoint, and a forged checkpoint', async () => {
      await withAging(kind, async ({ app }) => {
        await app.audit.prune({ retentionDays: 90, actor: system });
        await dropGuards(kind, app.store.db);
        await app.store.db.deleteFrom('audit_log').where('id', '<=', 13).execute();
        const missing = await app.audit.verify();
        assert.ok(!missing.ok);
        assert.equal(missing.brokenAtId, 14);
        assert.equal(missing.problem, 'missing');

        // A checkpoint that would explain the gap, without the installation's key.
        const [row] = await app.store.db
          .selectFrom('audit_log')
          .select('prev_hash')
          .where('id', '=', 14)
          .execute();
        await app.store.db
          .insertInto('audit_checkpoint')
          .values({
            through_id: 13,
            through_hash: row!.prev_hash,
            created_at: T0,
            signature: 'v1.forged.forged.forged',
          })
          .execute();
        const forged = await app.audit.verify();
        assert.ok(!forged.ok);
        assert.equal(forged.problem, 'bad-checkpoint');
        assert.equal(forged.brokenAtId, 13);
      });
    });

    test('a record rewritten at the checkpoint (and re-hashed) is found', async () => {
      await withAging(kind, async ({ app }) => {
        // Records 1..10 are gone behind the checkpoint; a forger puts back a record 10 of their own.
        await app.audit.prune({ retentionDays: 90, actor: system });
        await dropGuards(kind, app.store.db);
        const [cp] = await app.store.db.selectFrom('audit_checkpoint').selectAll().execute();
        assert.equal(cp?.through_id, 10);
        // Re-insert a forged record 10 with a valid hash of its own but another content.
        await app.store.db
          .insertInto('audit_log')
          .values(
            auditLogRow({
              id: 10,
              time: T0,
              operation: 'MailboxLogin',
              mailbox: 'alice@example.org',
              actor: 'mallory@example.org',
              hash: '',
            }),
          )
          .execute();
        const row = await app.store.db
          .selectFrom('audit_log')
          .selectAll()
          .where('id', '=', 10)
          .executeTakeFirstOrThrow();
        const { hash: _ignored, ...content } = row;
        await app.store.db
          .updateTable('audit_log')
          .set({ hash: hashAuditRow(content) })
          .where('id', '=', 10)
          .execute();
        const outcome = await app.audit.verify();
        assert.ok(!outcome.ok);
        assert.equal(outcome.brokenAtId, 10);
        assert.equal(outcome.problem, 'checkpoint-mismatch');
      });
    });
  });
}
