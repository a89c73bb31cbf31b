/**
 * A small seeded pseudo-random generator (mulberry32) for fault and fuzz runs: the same seed gives
 * the same garbage, the same kill moment and the same load, so a failure can be replayed. Each test
 * prints its seed and takes FAULT_SEED to replay one.
 */
export interface SeededRandom {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Buffer;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    bytes(length) {
      const buffer = Buffer.alloc(length);
      for (let index = 0; index < length; index++) buffer[index] = int(0, 255);
      return buffer;
    },
  };
}

/** FAULT_SEED from the environment (to replay a failure), or the test's own fixed seed. */
export function faultSeed(fallback: number): number {
  const given = Number(process.env['FAULT_SEED']);
  return Number.isInteger(given) && given > 0 ? given : fallback;
}
