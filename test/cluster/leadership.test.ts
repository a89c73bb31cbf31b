import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { LEADERSHIP_LOCK_KEY } from '../../src/store/cluster.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createPostgresDatabase, makeTempDir } from '../support/test-app.js';

let database: { url: string; drop(): Promise<void> };
const temp = makeTempDir();
const stores: Store[] = [];

before(async () => {
  database = await createPostgresDatabase();
  for (let index = 0; index < 3; index++)
    stores.push(await openStore({ databaseUrl: database.url, dataDir: temp.dir, poolSize: 2 }));
});
after(async () => {
  for (const store of stores) await store.close();
  await database.drop();
  temp.remove();
});

const leaders = () => stores.filter((store) => store.lead().isLeader());
const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
};

test('exactly one of three instances runs the periodic jobs, and another takes over when its session dies', async () => {
  for (const store of stores) store.lead();
  await until(() => leaders().length === 1);
  // Every instance has tried at least once by now; still one.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(leaders().length, 1);
  const holder = leaders()[0]!;
  const others = stores.filter((store) => store !== holder);
  const takenOver = new Promise<void>((resolve) => {
    for (const store of others)
      store.lead().onChange((leader) => {
        if (leader) resolve();
      });
  });
  const lost = new Promise<void>((resolve) =>
    holder.lead().onChange((leader) => {
      if (!leader) resolve();
    }),
  );
  // The holder's session ends as when its process is killed: the server drops the lock with it.
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    const cut = await admin.query(
      `select pg_terminate_backend(l.pid) from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.locktype = 'advisory' and l.granted and a.datname = current_database()
         and l.classid = 0 and l.objid = $1`,
      [LEADERSHIP_LOCK_KEY],
    );
    assert.equal(cut.rowCount, 1);
  } finally {
    await admin.end();
  }
  await Promise.all([takenOver, lost]);
  await until(() => leaders().length === 1);
  assert.notEqual(leaders()[0], holder);
  // The old holder reconnects as a follower: the lock is held by the new holder.
  await new Promise((resolve) => setTimeout(resolve, 5500));
  assert.equal(leaders().length, 1);
});
