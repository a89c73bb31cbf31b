import { type Message, parts, percent } from '../i18n/index.js';
import type { Facts } from './facts.js';
import { finding } from './finding.js';
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
  /** What was found, as a message (src/i18n/messages/score.ts) the reader gets in their language. */
  finding: Message;
  /** The numbers behind it (counts, per-domain results), for scripts and the console. */
  detail?: Record<string, unknown>;
  /** Remarks that do not change the points (for example: retention above the minimum). */
  notes?: Message[];
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
export function allOrNothing(passed: boolean, found: Message, detail?: Record<string, unknown>): Measurement {
  return { state: passed ? 'completed' : 'to-address', share: passed ? 1 : 0, finding: found, detail };
}

/** Partial credit: `good` of `total` (an empty population counts as complete). */
export function coverage(
  good: number,
  total: number,
  found: Message,
  detail?: Record<string, unknown>,
): Measurement {
  if (total <= 0) return { state: 'completed', share: 1, finding: found, detail };
  const share = Math.min(1, Math.max(0, good / total));
  return {
    state: share >= 1 ? 'completed' : share <= 0 ? 'to-address' : 'partial',
    share,
    finding: found,
    detail,
  };
}

export function couldNotCheck(reason: Message): Measurement {
  return { state: 'not-available', share: 0, finding: finding('score.finding.couldNotCheck', { reason }) };
}

/** Measures with the value of a reading, or "could not check" with its reason. */
export async function withReading<T>(
  read: Promise<Reading<T>>,
  measure: (value: T) => Measurement,
): Promise<Measurement> {
  const result = await read;
  return result.available ? measure(result.value) : couldNotCheck(result.reason);
}

/** `good` of `total` as a share, written the reader's way (an empty population is all of it). */
export function share(good: number, total: number) {
  return percent(total === 0 ? 1 : good / total);
}

/** One finding of several parts ("…; …"), or the only part itself. */
export function findingOf(list: readonly Message[]): Message {
  return list.length === 1 && list[0] ? list[0] : finding('score.finding.parts', { parts: parts(list) });
}
