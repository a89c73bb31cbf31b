/**
 * When a failed notification is tried again: 30 s, 2 min, 10 min, 1 h, 6 h after each failed attempt,
 * then it is given up as failed (six attempts over about 7 h 12 min), so a receiver that is down for
 * a deploy or an evening still gets the alert, and a dead one stops costing work.
 */
export const RETRY_DELAYS_MS: readonly number[] = [30_000, 120_000, 600_000, 3_600_000, 21_600_000];

export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** The time of the next attempt after `attemptsMade` attempts all failed, or null to give up. */
export function nextAttemptAfterFailure(attemptsMade: number, nowMs: number): number | null {
  const delayMs = RETRY_DELAYS_MS[attemptsMade - 1];
  return delayMs === undefined ? null : nowMs + delayMs;
}
