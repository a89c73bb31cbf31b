import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WORKER_SEMI_SPACE_MIB, workerExecArgv } from '../../src/worker-pool.js';

const CAP = `--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`;

test("a worker gets the supervisor's Node.js options plus the young-generation cap", () => {
  assert.deepEqual(workerExecArgv(['--enable-source-maps'], undefined), ['--enable-source-maps', CAP]);
  assert.deepEqual(workerExecArgv([], '--max-old-space-size=512'), [CAP]);
});

test('a semi-space size the operator chose (NODE_OPTIONS or the command line) wins over the cap', () => {
  assert.deepEqual(workerExecArgv([], '--trace-gc --max-semi-space-size=16'), []);
  assert.deepEqual(workerExecArgv([], '--max_semi_space_size=8'), []);
  assert.deepEqual(workerExecArgv(['--max-semi-space-size', '16'], undefined), [
    '--max-semi-space-size',
    '16',
  ]);
});
