import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IngestStep, ItemActivity } from '../../src/audit/index.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { createTestApp, storeKinds } from '../support/test-app.js';

const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);
const SECOND = 1000;

function read(uids: string[], timeMs: number, over: Partial<ItemActivity> = {}): IngestStep {
  return {
    kind: 'activity',
    activity: {
      operation: 'MailItemsAccessed',
      sessionId: 'session-1',
      folder: 'INBOX',
      mailbox: 'alice@example.org',
      actor: 'alice@example.org',
      logonType: 'owner',
      clientIp: '203.0.113.9',
      protocol: 'imap',
      itemIds: uids,
      timeMs,
      ...over,
    },
  };
}

for (const kind of storeKinds) {
  describe(`grouped mailbox reads on ${kind}`, () => {
    test('a whole-mailbox download is one MailItemsAccessed record per session, folder and 2-minute window', async () => {
      const clock = createManualClock(T0);
      const harness = await createTestApp(kind, { clock });
      try {
        const { audit } = harness.app;
        // 500 reads in the first minute, in several requests, a few UIDs twice.
        for (let batch = 0; batch < 5; batch++)
          await audit.ingest(
            Array.from({ length: 100 }, (_, index) =>
              read([String(batch * 100 + index + 1)], T0 + batch * 10 * SECOND),
            ),
          );
        await audit.ingest([read(['1', '2'], T0 + 60 * SECOND)]);
        // Another folder of the same session, and the same folder in another session: their own windows.
        await audit.ingest([
          read(['7'], T0, { folder: 'Archive' }),
          read(['8'], T0, { sessionId: 'session-2' }),
        ]);
        // After the window: a new one.
        await audit.ingest([read(['501'], T0 + 125 * SECOND)]);
        assert.equal(
          (await audit.search({ operations: ['MailItemsAccessed'] })).records.length,
          1,
          'the first window closed when the next read came after it',
        );

        clock.setMs(T0 + 10 * 60 * SECOND);
        assert.equal(await audit.closeItemWindows(), 3);
        const records = (await audit.search({ operations: ['MailItemsAccessed'], limit: 100 })).records;
        const inbox1 = records.filter((r) => r.sessionId === 'session-1' && r.folder === 'INBOX');
        assert.equal(inbox1.length, 2);
        const first = inbox1.find((r) => r.itemIds?.includes('1'))!;
        assert.equal(first.itemIds?.length, 500);
        assert.deepEqual(first.itemIds?.slice(0, 3), ['1', '2', '3']);
        assert.equal(first.details?.['itemCount'], 500);
        assert.equal(first.time, new Date(T0).toISOString());
        assert.equal(first.clientIp, '203.0.113.9');
        assert.deepEqual(inbox1.find((r) => r !== first)?.itemIds, ['501']);
        assert.deepEqual(records.find((r) => r.folder === 'Archive')?.itemIds, ['7']);
        assert.deepEqual(records.find((r) => r.sessionId === 'session-2')?.itemIds, ['8']);
        assert.equal(await audit.closeItemWindows(), 0, 'nothing is written twice');
        assert.ok((await audit.verify()).ok);
      } finally {
        await harness.cleanup();
      }
    });

    test('what was gathered survives a restart (durable before acknowledged)', async () => {
      const clock = createManualClock(T0);
      const harness = await createTestApp(kind, { clock });
      try {
        await harness.app.audit.ingest([read(['1', '2'], T0)]);
        // The rows a new process would find, in the database, not in memory.
        const rows = await harness.app.store.db.selectFrom('audit_item_windows').selectAll().execute();
        assert.equal(rows.length, 1);
        assert.deepEqual(JSON.parse(rows[0]!.item_ids), ['1', '2']);
      } finally {
        await harness.cleanup();
      }
    });

    test('an expunge closes its window with the expunged UIDs; an EXPUNGE that removed nothing records nothing', async () => {
      const harness = await createTestApp(kind, { clock: createManualClock(T0) });
      try {
        const { audit } = harness.app;
        const close: IngestStep = {
          kind: 'close',
          sessionId: 'session-1',
          folder: 'INBOX',
          window: 'HardDelete',
          record: {
            timeMs: T0,
            input: {
              operation: 'HardDelete',
              result: 'success',
              mailbox: 'alice@example.org',
              actor: 'alice@example.org',
              logonType: 'owner',
              folder: 'INBOX',
            },
          },
          requireItems: true,
        };
        await audit.ingest([close]);
        assert.equal((await audit.search({})).records.length, 0);
        await audit.ingest([read(['9', '4'], T0, { operation: 'HardDelete' }), close]);
        const [record] = (await audit.search({})).records;
        assert.equal(record?.operation, 'HardDelete');
        assert.deepEqual(record?.itemIds, ['4', '9']);
        assert.equal(await audit.closeItemWindows(T0 + 3_600_000), 0);
      } finally {
        await harness.cleanup();
      }
    });
  });
}

describe('a session’s end', () => {
  test('writes its read windows after the grace period, with reads that arrive late', async () => {
    const clock = createManualClock(T0);
    const harness = await createTestApp('sqlite', { clock });
    try {
      const { audit } = harness.app;
      await audit.ingest([
        read(['1', '2'], T0),
        { kind: 'close-session', sessionId: 'session-1', timeMs: T0 + 10 * SECOND },
      ]);
      // A read of the same session whose event came after the LOGOUT's.
      await audit.ingest([read(['3'], T0 + 9 * SECOND)]);
      clock.setMs(T0 + 12 * SECOND);
      assert.equal(await audit.closeItemWindows(), 0, 'within the grace period nothing is written');
      clock.setMs(T0 + 16 * SECOND);
      assert.equal(await audit.closeItemWindows(), 1);
      const [record] = (await audit.search({ operations: ['MailItemsAccessed'] })).records;
      assert.deepEqual(record?.itemIds, ['1', '2', '3']);
    } finally {
      await harness.cleanup();
    }
  });
});
