import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type App, buildApp } from '../../src/app.js';
import { chainRow, sealRecord } from '../../src/audit/append-records.js';
import { GENESIS_HASH, hashAuditRow } from '../../src/audit/hash-chain.js';
import type { AuditRecordInput } from '../../src/audit/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import {
  createPostgresDatabase,
  createTestApp,
  makeTempDir,
  storeKinds,
  type TestApp,
  testConfig,
} from '../support/test-app.js';

function login(sessionId: string): AuditRecordInput {
  return {
    operation: 'MailboxLogin',
    result: 'success',
    mailbox: 'alice@example.org',
    actor: 'alice@example.org',
    logonType: 'owner',
    clientIp: '192.0.2.1',
    protocol: 'smtp',
    sessionId,
  };
}

function send(sessionId: string): AuditRecordInput {
  return {
    operation: 'Send',
    result: 'success',
    mailbox: 'bob@example.org',
    actor: 'bob@example.org',
    logonType: 'owner',
    sessionId,
    messageId: `<${sessionId}@example.org>`,
    subject: `Ünïcode subject ${sessionId}`,
    itemIds: [sessionId],
    details: { recipientCount: 2, nested: { list: [1, 'two'] } },
  };
}

async function allIds(app: App): Promise<number[]> {
  const rows = await app.store.db.selectFrom('audit_log').select('id').orderBy('id').execute();
  return rows.map((row) => row.id);
}

async function sessionIds(app: App): Promise<string[]> {
  const rows = await app.store.db.selectFrom('audit_log').select('session_id').execute();
  return rows.map((row) => row.session_id ?? '').sort();
}

function range(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${index}`);
}

for (const kind of storeKinds) {
  describe(`audit hash chain on ${kind}`, () => {
    let harness: TestApp;
    before(async () => {
      harness = await createTestApp(kind);
    });
    after(async () => {
      await harness.cleanup();
    });

    test('an empty log verifies, with no head', async () => {
      const outcome = await harness.app.audit.verify();
      assert.deepEqual(outcome, {
        ok: true,
        recordsChecked: 0,
        headId: null,
        headHash: '0'.repeat(64),
        anchors: { checked: 0, throughId: null, newestAt: null },
      });
    });

    test('500 concurrent appends and appendWithin transactions form one chain with ids consecutive from 1', async () => {
      const { app } = harness;
      const appends = range(500, 'append-').map((id) => app.audit.append(login(id)));
      const withins = range(20, 'within-').map((id) =>
        app.store.writeTransaction((trx) => app.audit.appendWithin(trx, [send(`${id}-a`), send(`${id}-b`)])),
      );
      await Promise.all([...appends, ...withins]);

      const expected = [
        ...range(500, 'append-'),
        ...range(20, 'within-').flatMap((id) => [`${id}-a`, `${id}-b`]),
      ];
      assert.deepEqual(await sessionIds(app), expected.sort(), 'every record was written exactly once');
      assert.deepEqual(
        await allIds(app),
        Array.from({ length: 540 }, (_, index) => index + 1),
      );
      const outcome = await app.audit.verify();
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(outcome.recordsChecked, 540);
      assert.equal(outcome.headId, 540);
      const head = await app.store.db
        .selectFrom('audit_log')
        .select('hash')
        .where('id', '=', 540)
        .executeTakeFirst();
      assert.equal(outcome.headHash, head?.hash);
    });

    test('the records of an appendWithin are consecutive and in the given order', async () => {
      const { app } = harness;
      await app.store.writeTransaction((trx) =>
        app.audit.appendWithin(trx, [send('ordered-1'), send('ordered-2'), send('ordered-3')]),
      );
      const rows = await app.store.db
        .selectFrom('audit_log')
        .select(['id', 'session_id'])
        .where('session_id', 'like', 'ordered-%')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((row) => row.session_id),
        ['ordered-1', 'ordered-2', 'ordered-3'],
      );
      assert.equal(rows[2]!.id - rows[0]!.id, 2);
    });

    test('appendWithin in a transaction that rolls back leaves no record and no gap', async () => {
      const { app } = harness;
      const before = await app.audit.verify();
      assert.ok(before.ok);
      await assert.rejects(
        app.store.writeTransaction(async (trx) => {
          await app.audit.appendWithin(trx, [send('rolled-back')]);
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      await app.audit.append(login('after-rollback'));
      const after = await app.audit.verify();
      assert.ok(after.ok, JSON.stringify(after));
      assert.equal(after.headId, (before.headId ?? 0) + 1);
      const rolledBack = await app.audit.search({ limit: 1000 });
      assert.ok(!rolledBack.records.some((record) => record.sessionId === 'rolled-back'));
    });

    test('the chain verifies across verify’s page boundary (over 5,000 records)', async () => {
      const { app } = harness;
      const bulk = range(5200, 'bulk-').map(login);
      await app.store.writeTransaction((trx) => app.audit.appendWithin(trx, bulk));
      const outcome = await app.audit.verify();
      assert.ok(outcome.ok, JSON.stringify(outcome));
      const ids = await allIds(app);
      assert.equal(outcome.recordsChecked, ids.length);
      assert.ok(outcome.recordsChecked > 5000);
      assert.deepEqual(
        ids,
        ids.map((_, index) => index + 1),
      );
    });
  });
}

describe('audit hash chain with two processes on one PostgreSQL database', () => {
  const temps = [makeTempDir(), makeTempDir()];
  let postgres: { url: string; drop(): Promise<void> };
  let apps: App[] = [];

  before(async () => {
    postgres = await createPostgresDatabase();
    // Both start at once, as two replicas would: migrations must not trip over each other either.
    apps = await Promise.all(
      temps.map((temp) =>
        buildApp(testConfig({ dataDir: temp.dir, databaseUrl: postgres.url }), { logger: silentLogger }),
      ),
    );
  });
  after(async () => {
    for (const app of apps) await app.close();
    await postgres.drop();
    for (const temp of temps) temp.remove();
  });

  test('concurrent appends from two App instances still form one valid chain', async () => {
    const [first, second] = apps as [App, App];
    const work = [first, second].flatMap((app, appIndex) => [
      ...range(300, `app${appIndex}-append-`).map((id) => app.audit.append(login(id))),
      ...range(10, `app${appIndex}-within-`).map((id) =>
        app.store.writeTransaction((trx) => app.audit.appendWithin(trx, [send(id)])),
      ),
    ]);
    const results = await Promise.allSettled(work);
    assert.deepEqual(
      results.filter((result) => result.status === 'rejected'),
      [],
    );
    const expected = [0, 1].flatMap((appIndex) => [
      ...range(300, `app${appIndex}-append-`),
      ...range(10, `app${appIndex}-within-`),
    ]);
    assert.deepEqual(await sessionIds(first), expected.sort());
    assert.deepEqual(
      await allIds(first),
      Array.from({ length: 620 }, (_, index) => index + 1),
    );
    for (const app of [first, second]) {
      const outcome = await app.audit.verify();
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(outcome.recordsChecked, 620);
    }
  });
});

describe('records sealed ahead of the chain', () => {
  test('a sealed record chains to exactly the row and hash that verify recomputes from the stored fields', () => {
    const inputs: AuditRecordInput[] = [
      login('s1'),
      { operation: 'Update', result: 'failure', actor: 'system', logonType: 'system' },
      {
        operation: 'Copy',
        result: 'success',
        mailbox: 'Jörg@example.org',
        actor: 'admin@example.org',
        logonType: 'admin',
        clientIp: '2001:db8::1',
        protocol: 'imap',
        clientInfo: 'Thunderbird "128"',
        sessionId: 'S\u0000x',
        folder: 'Entwürfe',
        destinationFolder: 'Archive/2026',
        itemIds: ['1', '2', '3'],
        messageId: '<a"b\\c@example.org>',
        subject: 'line\nbreak \u2028 emoji 📬',
        details: { nested: { list: [1, null, 'x'] }, reply: 'NO [ALERT] "quoted"' },
      },
    ];
    let previous = GENESIS_HASH;
    for (const [index, input] of inputs.entries()) {
      const timeMs = Date.UTC(2026, 10, 27, 12, 0, index);
      const row = chainRow(sealRecord({ input, timeMs }), 1000 + index, previous);
      const { hash, ...content } = row;
      assert.equal(hash, hashAuditRow(content), `record ${index}`);
      assert.equal(row.time, timeMs);
      assert.equal(row.item_ids, input.itemIds ? JSON.stringify(input.itemIds) : null);
      assert.equal(row.details, input.details ? JSON.stringify(input.details) : null);
      assert.equal(row.mailbox, input.mailbox ?? null);
      previous = hash;
    }
  });
});
