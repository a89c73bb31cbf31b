import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditRecordInput, AuditSearchFilter } from '../../src/audit/index.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { SEARCH_KEYS_EVERY } from '../../src/store/index.js';
import { createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const T0 = Date.UTC(2025, 0, 1, 8, 0, 0);
const MINUTE = 60_000;
const operations = ['MailboxLogin', 'Send', 'SendAs'] as const;

interface Seeded extends AuditRecordInput {
  id: number;
  timeMs: number;
}

/** 24 records one minute apart: ids 1..24, alternating mailboxes, a failure every fourth record. */
const seeded: Seeded[] = Array.from({ length: 24 }, (_, index) => {
  const mailbox = index % 2 === 0 ? 'alice@example.org' : 'bob@example.org';
  return {
    id: index + 1,
    timeMs: T0 + index * MINUTE,
    operation: operations[index % 3]!,
    result: index % 4 === 3 ? 'failure' : 'success',
    mailbox,
    actor: index % 6 === 5 ? 'token:ops' : mailbox,
    logonType: index % 6 === 5 ? 'admin' : 'owner',
    clientIp: index % 5 === 0 ? '198.51.100.5' : '192.0.2.1',
  };
});

/** The ids a correct search returns: matching records, newest first. */
function expectedIds(match: (record: Seeded) => boolean): number[] {
  return seeded
    .filter(match)
    .map((record) => record.id)
    .reverse();
}

/**
 * Records up to a point have search keys (written in bulk, migration 013), those after it are found
 * by id: every search must return the same records wherever that point is.
 */
async function writeSearchKeysThrough(harness: TestApp, throughId: number): Promise<void> {
  if (throughId === 0) return;
  const { store } = harness.app;
  await store.writeTransaction((trx) => store.auditRows.indexSearchKeys(trx, throughId, 0));
}

for (const kind of storeKinds)
  for (const keyedThrough of [0, 11, 24])
    describe(`audit search on ${kind}, search keys written through record ${keyedThrough}`, () => {
      let harness: TestApp;
      const clock = createManualClock(T0);

      const ids = async (filter: AuditSearchFilter) =>
        (await harness.app.audit.search({ limit: 1000, ...filter })).records.map((record) => record.id);

      before(async () => {
        harness = await createTestApp(kind, { clock });
        for (const { id: _id, timeMs, ...input } of seeded) {
          clock.setMs(timeMs);
          await harness.app.audit.append(input);
        }
        await writeSearchKeysThrough(harness, keyedThrough);
      });
      after(async () => {
        await harness.cleanup();
      });

      test('without a filter returns every record, newest first, with its fields', async () => {
        const page = await harness.app.audit.search({ limit: 1000 });
        assert.deepEqual(
          page.records.map((record) => record.id),
          expectedIds(() => true),
        );
        assert.equal(page.nextCursor, null);
        const oldest = page.records.at(-1)!;
        assert.equal(oldest.time, new Date(T0).toISOString());
        assert.equal(oldest.operation, 'MailboxLogin');
        assert.equal(oldest.mailbox, 'alice@example.org');
        assert.equal(oldest.clientIp, '198.51.100.5');
        assert.match(oldest.hash, /^[0-9a-f]{64}$/);
      });

      test('filters by mailbox, in any letter case', async () => {
        const alice = expectedIds((record) => record.mailbox === 'alice@example.org');
        assert.deepEqual(await ids({ mailbox: 'alice@example.org' }), alice);
        assert.deepEqual(await ids({ mailbox: 'Alice@Example.ORG' }), alice);
        assert.deepEqual(await ids({ mailbox: 'nobody@example.org' }), []);
      });

      test('filters by a set of operations', async () => {
        assert.deepEqual(
          await ids({ operations: ['Send', 'SendAs'] }),
          expectedIds((record) => record.operation === 'Send' || record.operation === 'SendAs'),
        );
        assert.deepEqual(
          await ids({ operations: ['SendAs'] }),
          expectedIds((record) => record.operation === 'SendAs'),
        );
        assert.deepEqual(await ids({ operations: ['AddUser'] }), []);
      });

      test('filters by result, actor and client IP', async () => {
        assert.deepEqual(
          await ids({ result: 'failure' }),
          expectedIds((record) => record.result === 'failure'),
        );
        assert.deepEqual(
          await ids({ result: 'success' }),
          expectedIds((record) => record.result === 'success'),
        );
        assert.deepEqual(
          await ids({ actor: 'token:ops' }),
          expectedIds((record) => record.actor === 'token:ops'),
        );
        assert.deepEqual(
          await ids({ clientIp: '198.51.100.5' }),
          expectedIds((record) => record.clientIp === '198.51.100.5'),
        );
      });

      test('since is inclusive and until exclusive', async () => {
        const sinceMs = T0 + 5 * MINUTE;
        const untilMs = T0 + 11 * MINUTE;
        assert.deepEqual(
          await ids({ sinceMs, untilMs }),
          expectedIds((record) => record.timeMs >= sinceMs && record.timeMs < untilMs),
        );
        assert.deepEqual(await ids({ sinceMs, untilMs }), [11, 10, 9, 8, 7, 6]);
        assert.deepEqual(await ids({ sinceMs: T0 + 20 * MINUTE }), [24, 23, 22, 21]);
        assert.deepEqual(await ids({ untilMs: T0 + 2 * MINUTE }), [2, 1]);
      });

      test('combines every filter with AND', async () => {
        const filter = {
          mailbox: 'bob@example.org',
          operations: ['MailboxLogin', 'Send'],
          result: 'failure' as const,
          sinceMs: T0 + 2 * MINUTE,
        };
        const expected = expectedIds(
          (record) =>
            record.mailbox === 'bob@example.org' &&
            (record.operation === 'MailboxLogin' || record.operation === 'Send') &&
            record.result === 'failure' &&
            record.timeMs >= filter.sinceMs,
        );
        assert.ok(expected.length > 0, 'the combination matches something');
        assert.deepEqual(await ids(filter), expected);
      });

      test('pages newest first with a cursor, every record exactly once', async () => {
        const seen: number[] = [];
        const pageSizes: number[] = [];
        let beforeId: number | undefined;
        for (;;) {
          const page = await harness.app.audit.search({ limit: 5, ...(beforeId ? { beforeId } : {}) });
          seen.push(...page.records.map((record) => record.id));
          pageSizes.push(page.records.length);
          if (page.nextCursor === null) break;
          beforeId = page.nextCursor;
        }
        assert.deepEqual(
          seen,
          expectedIds(() => true),
        );
        assert.deepEqual(pageSizes, [5, 5, 5, 5, 4]);
      });

      test('pages a filtered search, and a last full page has no next cursor', async () => {
        const alice = expectedIds((record) => record.mailbox === 'alice@example.org');
        assert.equal(alice.length, 12);
        const first = await harness.app.audit.search({ mailbox: 'alice@example.org', limit: 6 });
        assert.deepEqual(
          first.records.map((record) => record.id),
          alice.slice(0, 6),
        );
        assert.equal(first.nextCursor, alice[5]);
        const second = await harness.app.audit.search({
          mailbox: 'alice@example.org',
          limit: 6,
          beforeId: first.nextCursor!,
        });
        assert.deepEqual(
          second.records.map((record) => record.id),
          alice.slice(6),
        );
        assert.equal(second.nextCursor, null);
      });

      test('a limit out of range is clamped, never an error', async () => {
        const one = await harness.app.audit.search({ limit: 0 });
        assert.deepEqual(
          one.records.map((record) => record.id),
          [24],
        );
        const all = await harness.app.audit.search({ limit: 1_000_000 });
        assert.equal(all.records.length, 24);
      });
    });

/**
 * The actor index holds only records of someone acting on another mailbox (migration 009); a search
 * by actor must still find the actor's records on their own mailbox, in one newest-first order.
 */
for (const kind of storeKinds)
  for (const keyedThrough of [0, 5])
    describe(`audit search by actor on ${kind}, search keys written through record ${keyedThrough}`, () => {
      let harness: TestApp;
      const clock = createManualClock(T0);
      // Carol acts on her own mailbox and on others' (delegate), on no mailbox (an admin action), and
      // others act on Carol's mailbox.
      const actions: Array<Pick<AuditRecordInput, 'mailbox' | 'actor'>> = [
        { mailbox: 'carol@example.org', actor: 'carol@example.org' },
        { mailbox: 'dave@example.org', actor: 'carol@example.org' },
        { mailbox: 'carol@example.org', actor: 'admin@example.org' },
        { mailbox: null, actor: 'carol@example.org' },
        { mailbox: 'carol@example.org', actor: 'carol@example.org' },
        { mailbox: 'erin@example.org', actor: 'carol@example.org' },
        { mailbox: 'dave@example.org', actor: 'dave@example.org' },
        { mailbox: 'carol@example.org', actor: 'carol@example.org' },
      ];
      const carolsIds = actions
        .map((action, index) => ({ ...action, id: index + 1 }))
        .filter((action) => action.actor === 'carol@example.org')
        .map((action) => action.id)
        .reverse();

      before(async () => {
        harness = await createTestApp(kind, { clock });
        for (const [index, action] of actions.entries()) {
          // Two records share each minute: the order within a time is by id.
          clock.setMs(T0 + Math.floor(index / 2) * MINUTE);
          await harness.app.audit.append({
            operation: index % 2 === 0 ? 'MailItemsAccessed' : 'Move',
            result: 'success',
            logonType: action.mailbox === action.actor ? 'owner' : 'delegate',
            ...action,
          });
        }
        await writeSearchKeysThrough(harness, keyedThrough);
      });
      after(async () => {
        await harness.cleanup();
      });

      test('finds the actor on their own mailbox, on other mailboxes and on none, newest first', async () => {
        const page = await harness.app.audit.search({ actor: 'carol@example.org', limit: 100 });
        assert.deepEqual(
          page.records.map((record) => record.id),
          carolsIds,
        );
        assert.equal(page.nextCursor, null);
      });

      test('pages through both halves in one order without losing or repeating a record', async () => {
        const seen: number[] = [];
        let beforeId: number | undefined;
        do {
          const page = await harness.app.audit.search({
            actor: 'carol@example.org',
            limit: 2,
            ...(beforeId === undefined ? {} : { beforeId }),
          });
          seen.push(...page.records.map((record) => record.id));
          beforeId = page.nextCursor ?? undefined;
        } while (beforeId !== undefined);
        assert.deepEqual(seen, carolsIds);
      });

      test('counts, exports and combines with a mailbox filter the same records', async () => {
        const counts = await harness.app.audit.countByOperation({ actor: 'carol@example.org' });
        assert.equal((counts['MailItemsAccessed'] ?? 0) + (counts['Move'] ?? 0), carolsIds.length);
        const exported: number[] = [];
        for await (const record of harness.app.audit.export({ actor: 'carol@example.org' }))
          exported.push(record.id);
        assert.deepEqual(exported, carolsIds);
        const onDave = await harness.app.audit.search({
          actor: 'carol@example.org',
          mailbox: 'dave@example.org',
        });
        assert.deepEqual(
          onDave.records.map((record) => record.id),
          [2],
        );
        const onOwn = await harness.app.audit.search({
          actor: 'carol@example.org',
          mailbox: 'carol@example.org',
        });
        assert.deepEqual(
          onOwn.records.map((record) => record.id),
          [8, 5, 1],
        );
      });
    });

for (const kind of storeKinds)
  describe(`audit search keys on ${kind}`, () => {
    /** A test app for one test; removed after it. */
    const withApp = async (work: (app: TestApp['app']) => Promise<void>) => {
      const harness = await createTestApp(kind, { clock: createManualClock(T0) });
      try {
        await work(harness.app);
      } finally {
        await harness.cleanup();
      }
    };
    const keyedThrough = async (app: TestApp['app']) =>
      Number(
        (await app.store.db.selectFrom('audit_search_state').select('through_id').executeTakeFirstOrThrow())
          .through_id,
      );
    /** Ingest steps of `count` records from number `first` on, one a millisecond, over `mailboxes`. */
    const recordSteps = (count: number, first: number, mailboxes: number, clientIp?: string) =>
      Array.from({ length: count }, (_, index) => ({
        kind: 'record' as const,
        record: {
          timeMs: T0 + first + index,
          input: {
            operation: 'MailItemsAccessed' as const,
            result: 'success' as const,
            mailbox: `user${(first + index) % mailboxes}@example.org`,
            actor: `user${(first + index) % mailboxes}@example.org`,
            logonType: 'owner' as const,
            ...(clientIp ? { clientIp } : {}),
          },
        },
      }));

    test('the transaction that brings SEARCH_KEYS_EVERY records without keys writes theirs with them', () =>
      withApp(async (app) => {
        const steps = (count: number, first: number) => recordSteps(count, first, 50, '192.0.2.7');
        await app.audit.ingest(steps(SEARCH_KEYS_EVERY - 1, 0));
        assert.equal(await keyedThrough(app), 0, 'one record short: no keys yet');
        await app.audit.ingest(steps(2, SEARCH_KEYS_EVERY - 1));
        assert.equal(await keyedThrough(app), SEARCH_KEYS_EVERY + 1);
        const keys = await app.store.db
          .selectFrom('audit_search_keys')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(keys.n), 2 * (SEARCH_KEYS_EVERY + 1), 'a mailbox key and a client IP key each');
        const user7 = await app.audit.search({ mailbox: 'user7@example.org', limit: 1000 });
        assert.equal(user7.records.length, 1000);
        assert.equal(user7.records[0]!.id, SEARCH_KEYS_EVERY - 42);
      }));

    test('without its state row (removed by hand) appending goes on and searches still find every record', () =>
      withApp(async (app) => {
        const append = () =>
          app.audit.append({
            operation: 'Send',
            result: 'success',
            mailbox: 'alice@example.org',
            actor: 'alice@example.org',
            logonType: 'owner',
          });
        await append();
        await app.audit.writeSearchKeys();
        await app.store.db.deleteFrom('audit_search_state').execute();
        await append();
        assert.equal(await app.audit.writeSearchKeys(), 0);
        const alice = await app.audit.search({ mailbox: 'alice@example.org' });
        assert.deepEqual(
          alice.records.map((record) => record.id),
          [2, 1],
        );
      }));

    test('writeSearchKeys (the quiet-time timer) keys every record still without keys, in steps', () =>
      withApp(async (app) => {
        assert.equal(await app.audit.writeSearchKeys(), 0, 'an empty log');
        await app.audit.ingest(recordSteps(5001, 0, 3));
        // More than one transaction's step (5,000), fewer than the writers' threshold.
        assert.equal(await app.audit.writeSearchKeys(), 5001);
        assert.equal(await app.audit.writeSearchKeys(), 0, 'nothing left');
        assert.equal(await keyedThrough(app), 5001);
        const user1 = await app.audit.search({ mailbox: 'user1@example.org', limit: 1000 });
        assert.equal(user1.records[0]!.id, 5000);
        assert.equal(user1.nextCursor, user1.records[999]!.id);
      }));
  });
