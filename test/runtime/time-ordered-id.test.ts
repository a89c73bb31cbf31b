import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timeOrderedId } from '../../src/runtime/time-ordered-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('a time-ordered id is a UUID version 7 whose first 48 bits are the milliseconds', () => {
  const nowMs = Date.parse('2026-11-27T14:00:00.123Z');
  const id = timeOrderedId(nowMs);
  assert.match(id, UUID_V7);
  assert.equal(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16), nowMs);
});

test('ids sort by time as text (so inserts land at the end of the index), and never repeat within a millisecond', () => {
  const start = Date.parse('2026-11-27T14:00:00Z');
  const ids = Array.from({ length: 1000 }, (_, index) => timeOrderedId(start + index * 7));
  assert.deepEqual([...ids].sort(), ids);
  const sameMillisecond = new Set(Array.from({ length: 20_000 }, () => timeOrderedId(start)));
  assert.equal(sameMillisecond.size, 20_000);
});
