import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore, type Store, startWalCheckpointer } from '../../src/store/index.js';
import { makeTempDir } from '../support/test-app.js';

/** Commits `megabytes` of rows, one megabyte per transaction: far below SQLite's own checkpoint. */
async function commitMegabytes(store: Store, megabytes: number, tag: string): Promise<void> {
  for (let index = 0; index < megabytes; index++)
    await store.writeTransaction((trx) =>
      trx
        .insertInto('meta')
        .values({ key: `${tag}-${index}`, value: `${tag}${index}`.padEnd(1024 * 1024, 'x') })
        .execute(),
    );
}

/** The database file's size, which only a checkpoint makes grow (commits go to the write-ahead log). */
const fileBytes = (dataDir: string) => statSync(path.join(dataDir, 'mailwarden.sqlite')).size;

async function waitFor(condition: () => boolean, deadlineMs: number): Promise<boolean> {
  for (const end = Date.now() + deadlineMs; Date.now() < end; await sleep(20)) if (condition()) return true;
  return condition();
}

describe('WAL checkpointer', () => {
  test('committed pages reach the database file while the writer stays below its own checkpoint', async () => {
    const temp = makeTempDir();
    const store = await openStore({ databaseUrl: null, dataDir: temp.dir });
    try {
      const empty = fileBytes(temp.dir);
      // Without the checkpointer: 4 MB committed, about 1,000 pages, stay in the write-ahead log.
      await commitMegabytes(store, 4, 'before');
      await sleep(100);
      assert.equal(fileBytes(temp.dir), empty, 'no checkpoint yet: the writer is far below its threshold');

      const checkpointer = startWalCheckpointer(store.secondConnection!)!;
      try {
        assert.equal(checkpointer.running(), true);
        const copied = await waitFor(() => fileBytes(temp.dir) >= empty + 4 * 1024 * 1024, 10_000);
        assert.equal(copied, true, 'what was committed before it started is copied');
        // And what is committed while it runs, each transaction with the writer going on.
        await commitMegabytes(store, 4, 'during');
        const copiedToo = await waitFor(() => fileBytes(temp.dir) >= empty + 8 * 1024 * 1024, 10_000);
        assert.equal(copiedToo, true, 'what is committed while it runs is copied');
      } finally {
        await checkpointer.stop();
      }
      assert.equal(checkpointer.running(), false, 'stop() ends the thread');
      const rows = await store.db.selectFrom('meta').select('key').where('key', 'like', 'during-%').execute();
      assert.equal(rows.length, 4, 'every write committed beside it is there');
    } finally {
      await store.close();
      temp.remove();
    }
  });

  test('a checkpointer that cannot open the database says so, and ends', async () => {
    const temp = makeTempDir();
    try {
      const failures: Error[] = [];
      // No database file in the folder: the thread's connection refuses to create one.
      const checkpointer = startWalCheckpointer({ databaseUrl: null, dataDir: temp.dir }, (error) =>
        failures.push(error),
      )!;
      assert.ok(await waitFor(() => !checkpointer.running(), 10_000), 'the thread ended');
      assert.equal(failures.length, 1);
      assert.match(failures[0]!.message, /SQLITE_CANTOPEN/);
      await checkpointer.stop();
    } finally {
      temp.remove();
    }
  });

  test('there is none on PostgreSQL, which checkpoints on its own', () => {
    assert.equal(
      startWalCheckpointer({ databaseUrl: 'postgres://127.0.0.1/none', dataDir: '/nonexistent' }),
      null,
    );
  });
});
