import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledQuery, openStore } from '../../src/store/index.js';
import { createPostgresDatabase, makeTempDir, storeKinds } from '../support/test-app.js';

const domainsNamed = compiledQuery<{ first: string; second: string }, { name: string }>((db, param) =>
  db
    .selectFrom('domains')
    .select('name')
    .where('name', 'in', [param('first'), param('second')])
    .orderBy('name'),
);

for (const kind of storeKinds) {
  describe(`compiled queries (${kind})`, () => {
    test('every call runs with its own parameters, never those of the call that compiled it', async () => {
      const temp = makeTempDir();
      const postgres = kind === 'postgres' ? await createPostgresDatabase() : null;
      const store = await openStore({ databaseUrl: postgres?.url ?? null, dataDir: temp.dir });
      try {
        for (const name of ['a.example', 'b.example', 'c.example'])
          await store.db.insertInto('domains').values({ name, created_at: 0 }).execute();
        const names = async (first: string, second: string) =>
          (await domainsNamed(store.db, { first, second })).rows.map((row) => row.name);
        assert.deepEqual(await names('a.example', 'b.example'), ['a.example', 'b.example']);
        assert.deepEqual(await names('c.example', 'x.example'), ['c.example']);
        // Inside a transaction (another executor of the same database) as well.
        const inside = await store.writeTransaction(async (trx) =>
          (await domainsNamed(trx, { first: 'b.example', second: 'c.example' })).rows.map((row) => row.name),
        );
        assert.deepEqual(inside, ['b.example', 'c.example']);
        await assert.rejects(
          domainsNamed(store.db, { first: 'a.example' } as { first: string; second: string }),
          /no value for parameter second/,
        );
      } finally {
        await store.close();
        await postgres?.drop();
        temp.remove();
      }
    });

    test('a compiled query outside a transaction never sees the uncommitted writes of one in flight', async () => {
      const temp = makeTempDir();
      const postgres = kind === 'postgres' ? await createPostgresDatabase() : null;
      const store = await openStore({ databaseUrl: postgres?.url ?? null, dataDir: temp.dir });
      try {
        let release = () => {};
        let inserted = () => {};
        const insertedNow = new Promise<void>((resolve) => {
          inserted = resolve;
        });
        const writing = store.writeTransaction(async (trx) => {
          await trx.insertInto('domains').values({ name: 'a.example', created_at: 0 }).execute();
          inserted();
          // Still in the transaction: the row is not committed yet.
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          // And in the same transaction, the held connection sees its own row.
          assert.equal((await domainsNamed(trx, { first: 'a.example', second: 'x' })).rows.length, 1);
        });
        await insertedNow;
        const reading = domainsNamed(store.db, { first: 'a.example', second: 'x' });
        const early = await Promise.race([
          reading.then((result) => result.rows.length),
          new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 50)),
        ]);
        // SQLite: the read waits for the connection; PostgreSQL: it runs on another, at read committed.
        assert.ok(early === 'waiting' || early === 0, `read saw ${early} uncommitted rows`);
        release();
        await writing;
        assert.equal((await reading).rows.length, early === 'waiting' ? 1 : 0);
      } finally {
        await store.close();
        await postgres?.drop();
        temp.remove();
      }
    });
  });
}
