import type { Facts } from './facts.js';
import type { Reading } from './score-inputs.js';

export type ScoreCategory = 'identity' | 'mail-flow' | 'audit' | 'domains';
export const scoreCategories: readonly ScoreCategory[] = ['identity', 'mail-flow', 'audit', 'domains'];

/**
 * What measuring found: completed (full points), partial (coverage, some points), to-address (none),
 * not-available ("could not check": the source is missing or did not answer; never counted as a pass).
 */
export type MeasuredState = 'completed' | 'partial' | 'to-address' | 'not-available';

export interface Measurement {
  state: MeasuredState;
  /** Share of the maximum earned, 0–1. */
  share: number;
  /** The current state in words: what was found. */
  current: string;
  /** The numbers behind it (counts, per-domain results), for scripts and the console. */
  detail?: Record<string, unknown>;
  /** Remarks that do not change the points (for example: retention above the minimum). */
  notes?: string[];
}

export interface ControlDefinition {
  id: string;
  title: string;
  category: ScoreCategory;
  /** At most 10. */
  maxPoints: number;
  /** How the control is measured, in words. */
  measuredBy: string;
  why: string;
  /** The exact CLI command or API call that fixes it. */
  fix: {
    cli: string;
    api: string | null /** The admin page where it is done, if there is one. */;
    console?: string;
  };
  measure(facts: Facts): Promise<Measurement>;
}

export const DAY_MS = 86_400_000;

/** Full points, or none. */
export function allOrNothing(
  passed: boolean,
  current: string,
  detail?: Record<string, unknown>,
): Measurement {
  return { state: passed ? 'completed' : 'to-address', share: passed ? 1 : 0, current, detail };
}

/** Partial credit: `good` of `total` (an empty population counts as complete). */
export function coverage(
  good: number,
  total: number,
  current: string,
  detail?: Record<string, unknown>,
): Measurement {
  if (total <= 0) return { state: 'completed', share: 1, current, detail };
  const share = Math.min(1, Math.max(0, good / total));
  return { state: share >= 1 ? 'completed' : share <= 0 ? 'to-address' : 'partial', share, current, detail };
}

export function couldNotCheck(reason: string): Measurement {
  return { state: 'not-available', share: 0, current: `could not check: ${reason}` };
}

/** Measures with the value of a reading, or "could not check" with its reason. */
export async function withReading<T>(
  read: Promise<Reading<T>>,
  measure: (value: T) => Measurement,
): Promise<Measurement> {
  const result = await read;
  return result.available ? measure(result.value) : couldNotCheck(result.reason);
}

export function percent(good: number, total: number): string {
  return total === 0 ? '100%' : `${Math.floor((good / total) * 1000) / 10}%`;
}
