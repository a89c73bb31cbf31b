import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerCount } from '../../src/config/index.js';

test('workers auto is one per core on PostgreSQL and one process on SQLite (one writer per file)', () => {
  assert.equal(workerCount('auto', 8, 'postgres'), 8);
  assert.equal(workerCount('AUTO', 1, 'postgres'), 1);
  assert.equal(workerCount('auto', 128, 'postgres'), 64);
  assert.equal(workerCount('auto', 8, 'sqlite'), 1);
});

test('an explicit number of workers is kept on either database', () => {
  assert.equal(workerCount('2', 8, 'sqlite'), 2);
  assert.equal(workerCount(' 3 ', 1, 'postgres'), 3);
});

test('anything but auto or 1–64 is no worker count', () => {
  for (const bad of ['0', '65', '-1', '1.5', 'two', ''])
    for (const database of ['sqlite', 'postgres'] as const)
      assert.equal(workerCount(bad, 4, database), null, `${bad} on ${database}`);
});
