import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { App } from '../../src/app.js';
// The forger knows the hashing scheme: it is no secret, only the chain's links are checked.
import { hashAuditRow } from '../../src/audit/hash-chain.js';
import type { ChainProblem } from '../../src/audit/index.js';
import type { AuditLogTable } from '../../src/store/index.js';
import { ownerLogin } from '../support/audit-rows.js';
import { createTestApp, type StoreKind, storeKinds } from '../support/test-app.js';

const RECORDS = 10;

/**
 * A chain of ten records whose append-only guard an attacker with database access has dropped,
 * so that the only remaining defence is `verify()`.
 */
async function withUnguardedChain(kind: StoreKind, attack: (app: App) => Promise<void>) {
  const harness = await createTestApp(kind);
  try {
    const { app } = harness;
    for (let index = 1; index <= RECORDS; index++) {
      await app.audit.append({
        operation: index % 2 === 0 ? 'Send' : 'MailboxLogin',
        result: 'success',
        mailbox: 'alice@example.org',
        actor: 'alice@example.org',
        logonType: 'owner',
        subject: `record ${index}`,
      });
    }
    const clean = await app.audit.verify();
    assert.ok(clean.ok && clean.recordsChecked === RECORDS, 'the chain verifies before the attack');
    if (kind === 'sqlite') {
      await sql`drop trigger audit_log_no_update`.execute(app.store.db);
      await sql`drop trigger audit_log_no_delete`.execute(app.store.db);
    } else {
      await sql`drop trigger audit_log_no_change on audit_log`.execute(app.store.db);
      await sql`drop trigger audit_log_no_truncate on audit_log`.execute(app.store.db);
    }
    await attack(app);
    return await app.audit.verify();
  } finally {
    await harness.cleanup();
  }
}

/** What an attacker does before deleting a search key: drop the keys' guard (migration 014). */
async function dropSearchKeysGuard(kind: StoreKind, app: App) {
  if (kind === 'sqlite') await sql`drop trigger audit_search_keys_no_delete`.execute(app.store.db);
  else await sql`drop trigger audit_search_keys_no_change on audit_search_keys`.execute(app.store.db);
}

async function rowsOf(app: App, ids: number[]): Promise<AuditLogTable[]> {
  return app.store.db.selectFrom('audit_log').selectAll().where('id', 'in', ids).orderBy('id').execute();
}

function assertBrokenAt(
  outcome: Awaited<ReturnType<typeof withUnguardedChain>>,
  id: number,
  problems: readonly ChainProblem[],
  recordsChecked = id - 1,
) {
  assert.equal(outcome.ok, false, 'verify reports the chain as broken');
  if (outcome.ok) return;
  assert.equal(outcome.brokenAtId, id, outcome.detail);
  assert.ok(problems.includes(outcome.problem), `${outcome.problem} is one of ${problems.join(', ')}`);
  assert.equal(outcome.recordsChecked, recordsChecked, 'every record before the break was checked');
  assert.match(outcome.detail, new RegExp(`\\b${id}\\b|\\b${id - 1}\\b`));
}

for (const kind of storeKinds) {
  describe(`verify() detects tampering on ${kind}`, () => {
    test('names a record whose content was altered', async () => {
      const outcome = await withUnguardedChain(kind, async (app) => {
        await app.store.db
          .updateTable('audit_log')
          .set({ subject: 'nothing to see' })
          .where('id', '=', 5)
          .execute();
      });
      assertBrokenAt(outcome, 5, ['altered']);
    });

    test('names a record whose actor or time was altered', async () => {
      const actor = await withUnguardedChain(kind, async (app) => {
        await app.store.db
          .updateTable('audit_log')
          .set({ actor: 'mallory@example.org' })
          .where('id', '=', 3)
          .execute();
      });
      assertBrokenAt(actor, 3, ['altered']);
      const time = await withUnguardedChain(kind, async (app) => {
        await sql`update audit_log set time = time - 86400000 where id = 7`.execute(app.store.db);
      });
      assertBrokenAt(time, 7, ['altered']);
    });

    test('reports a record removed from the middle as missing', async () => {
      const outcome = await withUnguardedChain(kind, async (app) => {
        await app.store.db.deleteFrom('audit_log').where('id', '=', 5).execute();
      });
      assertBrokenAt(outcome, 6, ['missing'], 4);
      assert.ok(
        !outcome.ok && /expected record 5/.test(outcome.detail),
        'the detail names the missing record',
      );
    });

    test('reports a removed first record', async () => {
      const outcome = await withUnguardedChain(kind, async (app) => {
        await app.store.db.deleteFrom('audit_log').where('id', '=', 1).execute();
      });
      assert.ok(!outcome.ok);
      assert.equal(outcome.brokenAtId, 2);
      assert.equal(outcome.problem, 'unexpected-start');
    });

    test('names a record appended with a forged hash', async () => {
      const forged = await withUnguardedChain(kind, async (app) => {
        const [head] = await rowsOf(app, [RECORDS]);
        await app.store.db
          .insertInto('audit_log')
          .values({
            ...head!,
            id: RECORDS + 1,
            actor: 'mallory@example.org',
            prev_hash: head!.hash,
            hash: 'f'.repeat(64),
          })
          .execute();
      });
      assertBrokenAt(forged, RECORDS + 1, ['altered']);
      const unlinked = await withUnguardedChain(kind, async (app) => {
        const [head] = await rowsOf(app, [RECORDS]);
        const fake = createHash('sha256').update('forged').digest('hex');
        await app.store.db
          .insertInto('audit_log')
          .values({ ...head!, id: RECORDS + 1, prev_hash: fake, hash: fake })
          .execute();
      });
      assertBrokenAt(unlinked, RECORDS + 1, ['relinked', 'altered']);
    });

    test('names the record after one inserted into the middle, even when the forger hashes it correctly', async () => {
      const outcome = await withUnguardedChain(kind, async (app) => {
        const tail = await app.store.db
          .selectFrom('audit_log')
          .selectAll()
          .where('id', '>=', 6)
          .orderBy('id')
          .execute();
        const [five] = await rowsOf(app, [5]);
        await app.store.db.deleteFrom('audit_log').where('id', '>=', 6).execute();
        const { hash: _unused, ...content } = { ...five!, id: 6, subject: 'an alibi', prev_hash: five!.hash };
        const inserted = { ...content, hash: hashAuditRow(content) };
        // The original records move up by one id so that the ids stay consecutive.
        const shifted = tail.map((row) => ({ ...row, id: row.id + 1 }));
        await app.store.db
          .insertInto('audit_log')
          .values([inserted, ...shifted])
          .execute();
      });
      assertBrokenAt(outcome, 7, ['relinked', 'altered']);
    });

    test('names the first of two records that were swapped', async () => {
      const outcome = await withUnguardedChain(kind, async (app) => {
        const [four, five] = await rowsOf(app, [4, 5]);
        await app.store.db.deleteFrom('audit_log').where('id', 'in', [4, 5]).execute();
        await app.store.db
          .insertInto('audit_log')
          .values([
            { ...five!, id: 4 },
            { ...four!, id: 5 },
          ])
          .execute();
      });
      assertBrokenAt(outcome, 4, ['relinked', 'altered']);
    });

    test('names a record whose search key was deleted, though its chain is whole', async () => {
      let searchedAfter: number[] = [];
      const outcome = await withUnguardedChain(kind, async (app) => {
        assert.equal(await app.audit.writeSearchKeys(), RECORDS, 'every record got its keys');
        await dropSearchKeysGuard(kind, app);
        await app.store.db.deleteFrom('audit_search_keys').where('record_id', '=', 6).execute();
        const page = await app.audit.search({ mailbox: 'alice@example.org', limit: 100 });
        searchedAfter = page.records.map((record) => record.id);
      });
      // Why the keys need checking: the mailbox's search no longer shows record 6.
      assert.ok(!searchedAfter.includes(6) && searchedAfter.length === RECORDS - 1, String(searchedAfter));
      assert.equal(outcome.ok, false, 'verify reports the log as tampered with');
      if (outcome.ok) return;
      assert.equal(outcome.brokenAtId, 6);
      assert.equal(outcome.problem, 'unsearchable');
      assert.equal(outcome.recordsChecked, RECORDS, 'the chain itself verified whole');
      assert.match(outcome.detail, /record 6 .*mailbox \(alice@example\.org\)/);
    });

    test('a record keyed for its client IP too is named when only that key is gone', async () => {
      const harness = await createTestApp(kind);
      try {
        const { app } = harness;
        for (let index = 1; index <= 3; index++)
          await app.audit.append(ownerLogin('alice@example.org', { clientIp: `192.0.2.${index}` }));
        await app.audit.writeSearchKeys();
        assert.ok((await app.audit.verify()).ok, 'the keys verify before the attack');
        await dropSearchKeysGuard(kind, app);
        await app.store.db.deleteFrom('audit_search_keys').where('search_key', '=', 'i:192.0.2.2').execute();
        const outcome = await app.audit.verify();
        assert.ok(
          !outcome.ok && outcome.problem === 'unsearchable' && outcome.brokenAtId === 2,
          JSON.stringify(outcome),
        );
        assert.match(outcome.detail, /client IP \(192\.0\.2\.2\)/);
      } finally {
        await harness.cleanup();
      }
    });

    test('without an anchor, a removed tail is invisible to the chain walk, but changes the head it reports', async () => {
      let headBefore = '';
      const outcome = await withUnguardedChain(kind, async (app) => {
        const [head] = await rowsOf(app, [RECORDS]);
        headBefore = head!.hash;
        await app.store.db.deleteFrom('audit_log').where('id', '=', RECORDS).execute();
      });
      // Why the head is anchored outside the database (test/audit/anchors.test.ts): only an anchor
      // reveals this attack, and none was written here.
      assert.ok(outcome.ok);
      assert.equal(outcome.headId, RECORDS - 1);
      assert.notEqual(outcome.headHash, headBefore);
    });
  });
}
