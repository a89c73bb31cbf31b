import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/index.js';
import { makeTempDir } from '../support/test-app.js';
import {
  createThrowawayPostgres,
  findPostgresBin,
  type ThrowawayPostgres,
} from '../support/throwaway-postgres.js';

const skip = findPostgresBin() ? false : 'PostgreSQL server binaries are not installed';
const temp = makeTempDir();
let postgres: ThrowawayPostgres;
let store: Store;

before(async () => {
  if (skip) return;
  postgres = await createThrowawayPostgres();
  store = await openStore({ databaseUrl: postgres.url, dataDir: temp.dir });
});
after(async () => {
  await store?.close();
  await postgres?.remove();
  temp.remove();
});

test('a server stop while a transaction holds its connection fails that transaction and leaves the process running; the store works again once the server is back', {
  skip,
  timeout: 60_000,
}, async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    const transaction = store.writeTransaction(async (trx) => {
      await sql`select 1`.execute(trx);
      // The connection is checked out and idle when the server terminates its session (57P01).
      await postgres.stop();
      await sleep(200);
      await sql`select 1`.execute(trx);
    });
    await assert.rejects(transaction);
    await assert.rejects(store.ping(), 'no server, no answer');
    await postgres.start();
    await store.ping();
    await store.writeTransaction(async (trx) => {
      await sql`select 1`.execute(trx);
    });
    assert.deepEqual(uncaught, [], 'no error escaped to the process');
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
