import { inEnglish, type Message } from '../i18n/index.js';
import {
  type ControlDefinition,
  couldNotCheck,
  type MeasuredState,
  type Measurement,
  type ScoreCategory,
  scoreCategories,
} from './control-definition.js';
import type { ControlOverride } from './control-statuses.js';
import type { Facts } from './facts.js';
import { errorReason } from './finding.js';

export type ControlStatus = MeasuredState | ControlOverride['status'];

export interface ScoredControl {
  id: string;
  title: string;
  category: ScoreCategory;
  maxPoints: number;
  points: number;
  /** What completing it would still add; 0 when the risk was accepted. */
  pointsToGain: number;
  /** The admin's status when one is set, otherwise the measured state. */
  status: ControlStatus;
  measured: {
    state: MeasuredState;
    points: number;
    /** The finding in English (the CLI's and the scripts' text). */
    current: string;
    /** The same finding as a catalogue key and values: the console writes it in the reader's language. */
    finding: Message;
    detail?: Record<string, unknown>;
  };
  /** In English, as `current`. */
  notes: string[];
  override: ControlOverride | null;
  measuredBy: string;
  why: string;
  recommendation: { cli: string; api: string | null; consoleLink: string | null };
}

export interface CategoryTotal {
  category: ScoreCategory;
  score: number;
  maxScore: number;
  percentage: number;
}

export interface ScoreReport {
  at: string;
  score: number;
  maxScore: number;
  percentage: number;
  /** The maximum without the controls whose risk was accepted. */
  achievableScore: number;
  achievablePercentage: number;
  categories: CategoryTotal[];
  /** Controls that could not be checked (missing source, DNS that did not answer), and their points. */
  notChecked: { controls: number; maxPoints: number };
  controls: ScoredControl[];
}

const round = (value: number) => Math.round(value * 100) / 100;
const percentage = (part: number, whole: number) => (whole === 0 ? 0 : round((part / whole) * 100));

export async function scoreControl(
  definition: ControlDefinition,
  facts: Facts,
  override: ControlOverride | null,
): Promise<ScoredControl> {
  let measurement: Measurement;
  try {
    measurement = await definition.measure(facts);
  } catch (error) {
    // A source that throws (database down) is a control that could not be checked, not a failure.
    measurement = couldNotCheck(errorReason(error));
  }
  const measuredPoints = round(definition.maxPoints * measurement.share);
  const points =
    override === null ? measuredPoints : override.status === 'risk-accepted' ? 0 : definition.maxPoints;
  const achievable = override?.status === 'risk-accepted' ? 0 : definition.maxPoints;
  return {
    id: definition.id,
    title: definition.title,
    category: definition.category,
    maxPoints: definition.maxPoints,
    points,
    pointsToGain: round(achievable - points),
    status: override?.status ?? measurement.state,
    measured: {
      state: measurement.state,
      points: measuredPoints,
      current: inEnglish(measurement.finding),
      finding: measurement.finding,
      ...(measurement.detail ? { detail: measurement.detail } : {}),
    },
    notes: (measurement.notes ?? []).map(inEnglish),
    override,
    measuredBy: definition.measuredBy,
    why: definition.why,
    recommendation: {
      cli: definition.fix.cli,
      api: definition.fix.api,
      consoleLink: definition.fix.console ?? null,
    },
  };
}

/** Most points to gain first; then the larger control; then by id, so the order is stable. */
export function byPointsToGain(a: ScoredControl, b: ScoredControl): number {
  return b.pointsToGain - a.pointsToGain || b.maxPoints - a.maxPoints || a.id.localeCompare(b.id);
}

export function summarise(nowMs: number, controls: ScoredControl[]): ScoreReport {
  const sum = (list: ScoredControl[], pick: (control: ScoredControl) => number) =>
    round(list.reduce((total, control) => total + pick(control), 0));
  const score = sum(controls, (control) => control.points);
  const maxScore = sum(controls, (control) => control.maxPoints);
  const achievableScore = sum(controls, (control) =>
    control.override?.status === 'risk-accepted' ? 0 : control.maxPoints,
  );
  const unchecked = controls.filter(
    (control) => control.override === null && control.measured.state === 'not-available',
  );
  return {
    at: new Date(nowMs).toISOString(),
    score,
    maxScore,
    percentage: percentage(score, maxScore),
    achievableScore,
    achievablePercentage: percentage(achievableScore, maxScore),
    categories: scoreCategories.map((category) => {
      const inCategory = controls.filter((control) => control.category === category);
      const categoryScore = sum(inCategory, (control) => control.points);
      const categoryMax = sum(inCategory, (control) => control.maxPoints);
      return {
        category,
        score: categoryScore,
        maxScore: categoryMax,
        percentage: percentage(categoryScore, categoryMax),
      };
    }),
    notChecked: { controls: unchecked.length, maxPoints: sum(unchecked, (control) => control.maxPoints) },
    controls: [...controls].sort(byPointsToGain),
  };
}
