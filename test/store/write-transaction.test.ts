import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { type Executor, openStore, type Store, type StoreOptions } from '../../src/store/index.js';
import { createPostgresDatabase, makeTempDir, storeKinds } from '../support/test-app.js';

async function readCounter(db: Executor): Promise<number> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', 'counter').executeTakeFirst();
  return Number(row?.value ?? 'NaN');
}

/** Read, yield to the event loop, write: the sequence writeTransaction must keep whole. */
async function incrementSlowly(store: Store): Promise<void> {
  await store.writeTransaction(async (trx) => {
    const value = await readCounter(trx);
    await sleep(2);
    await trx
      .updateTable('meta')
      .set({ value: String(value + 1) })
      .where('key', '=', 'counter')
      .execute();
  });
}

for (const kind of storeKinds) {
  describe(`writeTransaction on ${kind}`, () => {
    const temp = makeTempDir();
    let postgres: { url: string; drop(): Promise<void> } | null = null;
    let options: StoreOptions;
    let store: Store;

    before(async () => {
      postgres = kind === 'postgres' ? await createPostgresDatabase() : null;
      options = { databaseUrl: postgres?.url ?? null, dataDir: temp.dir };
      store = await openStore(options);
    });
    after(async () => {
      await store.close();
      await postgres?.drop();
      temp.remove();
    });

    test('commits the work and returns its result', async () => {
      const result = await store.writeTransaction(async (trx) => {
        await trx.insertInto('domains').values({ name: 'committed.test', created_at: 1 }).execute();
        return 'done';
      });
      assert.equal(result, 'done');
      const row = await store.db
        .selectFrom('domains')
        .selectAll()
        .where('name', '=', 'committed.test')
        .executeTakeFirst();
      assert.deepEqual(row, { name: 'committed.test', created_at: 1 });
    });

    test('rolls back everything when the work throws, and rethrows the same error', async () => {
      const failure = new Error('work failed half-way');
      await assert.rejects(
        store.writeTransaction(async (trx) => {
          await trx.insertInto('domains').values({ name: 'rolled-back.test', created_at: 1 }).execute();
          await trx.insertInto('meta').values({ key: 'rolled-back', value: 'x' }).execute();
          throw failure;
        }),
        (error) => error === failure,
      );
      const domain = await store.db
        .selectFrom('domains')
        .select('name')
        .where('name', '=', 'rolled-back.test')
        .execute();
      const meta = await store.db.selectFrom('meta').select('key').where('key', '=', 'rolled-back').execute();
      assert.deepEqual(domain, []);
      assert.deepEqual(meta, []);
    });

    test('rolls back when a statement of the work fails', async () => {
      await assert.rejects(
        store.writeTransaction(async (trx) => {
          await trx.insertInto('meta').values({ key: 'before-duplicate', value: 'x' }).execute();
          await trx.insertInto('domains').values({ name: 'committed.test', created_at: 2 }).execute();
        }),
      );
      const meta = await store.db
        .selectFrom('meta')
        .select('key')
        .where('key', '=', 'before-duplicate')
        .execute();
      assert.deepEqual(meta, []);
    });

    test('the store is usable again after a rolled-back transaction', async () => {
      await store.writeTransaction(async (trx) => {
        await trx.insertInto('meta').values({ key: 'after-rollback', value: 'ok' }).execute();
      });
      const row = await store.db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', 'after-rollback')
        .executeTakeFirst();
      assert.equal(row?.value, 'ok');
    });

    test('a read snapshot returns its reads, and leaves the store usable for writes even when it throws', async () => {
      await store.db.insertInto('meta').values({ key: 'snapshot', value: 'one' }).execute();
      const read = (reader: Executor) =>
        reader.selectFrom('meta').select('value').where('key', '=', 'snapshot').executeTakeFirst();
      const [first, second] = await store.readSnapshot((reader) => Promise.all([read(reader), read(reader)]));
      assert.deepEqual([first?.value, second?.value], ['one', 'one']);
      const failure = new Error('a read failed');
      await assert.rejects(
        store.readSnapshot(async (reader) => {
          await read(reader);
          throw failure;
        }),
        (error) => error === failure,
      );
      await store.writeTransaction(async (trx) => {
        await trx.updateTable('meta').set({ value: 'two' }).where('key', '=', 'snapshot').execute();
      });
      assert.equal((await store.readSnapshot(read))?.value, 'two');
    });

    test('read-then-write sequences from two store handles never interleave (no lost update)', async () => {
      await store.db.insertInto('meta').values({ key: 'counter', value: '0' }).execute();
      const other = await openStore(options);
      try {
        const rounds = 15;
        const results = await Promise.allSettled(
          Array.from({ length: rounds }, () => [incrementSlowly(store), incrementSlowly(other)]).flat(),
        );
        const failures = results.filter((result) => result.status === 'rejected');
        assert.deepEqual(failures, [], 'no transaction failed (no SQLITE_BUSY, no serialization error)');
        assert.equal(await readCounter(store.db), rounds * 2, 'every increment is counted');
      } finally {
        await other.close();
      }
    });
  });
}

/**
 * Two real writers on one SQLite file, each on its own thread and event loop (as two processes would be),
 * each running read-then-write transactions that yield in the middle.
 */
const writerSource = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const { openStore } = await import(workerData.storeModuleUrl);
  const store = await openStore({ databaseUrl: null, dataDir: workerData.dataDir });
  try {
    for (let round = 0; round < workerData.rounds; round++) {
      await store.writeTransaction(async (trx) => {
        const row = await trx.selectFrom('meta').select('value').where('key', '=', 'counter').executeTakeFirstOrThrow();
        await new Promise((resolve) => setTimeout(resolve, 1));
        await trx.updateTable('meta').set({ value: String(Number(row.value) + 1) }).where('key', '=', 'counter').execute();
      });
    }
    parentPort.postMessage({ ok: true });
  } catch (error) {
    parentPort.postMessage({ ok: false, code: error.code, message: String(error) });
  } finally {
    await store.close();
  }
})();
`;

function runWriter(
  dataDir: string,
  rounds: number,
): Promise<{ ok: boolean; code?: string; message?: string }> {
  const storeModuleUrl = new URL('../../src/store/index.js', import.meta.url).href;
  const worker = new Worker(writerSource, { eval: true, workerData: { storeModuleUrl, dataDir, rounds } });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`writer exited with ${code}`));
    });
  });
}

describe('writeTransaction on SQLite across processes', () => {
  const temp = makeTempDir();
  after(() => temp.remove());

  test('two processes writing to the same SQLite file at once both succeed without SQLITE_BUSY', async () => {
    const store = await openStore({ databaseUrl: null, dataDir: temp.dir });
    try {
      await store.db.insertInto('meta').values({ key: 'counter', value: '0' }).execute();
      const rounds = 40;
      const outcomes = await Promise.all([runWriter(temp.dir, rounds), runWriter(temp.dir, rounds)]);
      assert.deepEqual(outcomes, [{ ok: true }, { ok: true }]);
      assert.equal(await readCounter(store.db), rounds * 2);
    } finally {
      await store.close();
    }
  });
});
