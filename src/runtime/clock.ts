/** Time as a dependency, so that rolling windows, lockouts and TOTP steps are deterministic in tests. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock tests can move by hand. */
export function createManualClock(
  startMs: number,
): Clock & { advanceMs(ms: number): void; setMs(ms: number): void } {
  let current = startMs;
  return {
    nowMs: () => current,
    advanceMs: (ms) => {
      current += ms;
    },
    setMs: (ms) => {
      current = ms;
    },
  };
}
