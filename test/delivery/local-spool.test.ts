import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createDelivery } from '../../src/delivery/index.js';
import { createCoalescedSync } from '../../src/delivery/local-spool.js';
import { systemClock } from '../../src/runtime/clock.js';
import { createLogger } from '../../src/runtime/logger.js';
import { makeTempDir } from '../support/test-app.js';

describe('local spool', () => {
  test('messages delivered at once are each in spool/ whole, with their envelope, and nothing is left in tmp/', async () => {
    const temp = makeTempDir();
    try {
      const spoolDir = path.join(temp.dir, 'spool');
      const spool = createDelivery(
        { relay: null, spoolDir, hostname: 'mailwarden.test' },
        { clock: systemClock, logger: createLogger({ level: 'error', sink: { write: () => true } }) },
      );
      const messages = Array.from({ length: 20 }, (_, index) => ({
        from: `eva${index}@acme.example`,
        to: ['tom@contoso.example', 'ann@contoso.example'],
        raw: Buffer.from(`Subject: ${index}\r\n\r\n${'x'.repeat(index === 7 ? 3 * 1024 * 1024 : 100)}\r\n`),
      }));
      const outcomes = await Promise.all(messages.map((message) => spool.deliver(message)));
      assert.ok(outcomes.every((outcome) => outcome.ok));
      const files = readdirSync(spoolDir).filter((name) => name.endsWith('.eml'));
      assert.equal(files.length, 20);
      const contents = new Set(
        files.map((name) => readFileSync(path.join(spoolDir, name)).toString('latin1')),
      );
      for (const message of messages)
        assert.ok(
          contents.has(
            `Return-Path: <${message.from}>\r\nX-Mailwarden-Rcpt-To: <tom@contoso.example>\r\n` +
              `X-Mailwarden-Rcpt-To: <ann@contoso.example>\r\n${message.raw.toString('latin1')}`,
          ),
        );
      assert.deepEqual(readdirSync(path.join(spoolDir, 'tmp')), []);
    } finally {
      temp.remove();
    }
  });

  test('a coalesced folder sync always starts after the call it answers; calls during a sync share the next', async () => {
    const starts: number[] = [];
    let clock = 0;
    const releases: Array<() => void> = [];
    const sync = createCoalescedSync(
      () =>
        new Promise<void>((resolve) => {
          starts.push(clock);
          releases.push(resolve);
        }),
    );
    clock = 1;
    const first = sync();
    clock = 2;
    const second = sync();
    const third = sync();
    assert.equal(starts.length, 1, 'the second and third wait for the sync in flight to end');
    releases.shift()!();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(starts, [1, 2], 'one new sync, started after the second and third calls');
    releases.shift()!();
    await Promise.all([second, third]);
    clock = 3;
    const fourth = sync();
    assert.deepEqual(starts, [1, 2, 3], 'an idle spool syncs at once');
    releases.shift()!();
    await fourth;
  });

  test('a failed folder sync fails its own callers only; the next callers get a new sync', async () => {
    let attempt = 0;
    const releases: Array<(error?: Error) => void> = [];
    const sync = createCoalescedSync(
      () =>
        new Promise<void>((resolve, reject) => {
          attempt += 1;
          releases.push((error) => (error ? reject(error) : resolve()));
        }),
    );
    const first = sync();
    const second = sync();
    releases.shift()!(new Error('EIO'));
    await assert.rejects(first, /EIO/);
    await new Promise((resolve) => setImmediate(resolve));
    releases.shift()!();
    await second;
    assert.equal(attempt, 2);
  });
});
