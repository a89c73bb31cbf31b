import { randomUUID } from 'node:crypto';
import type { Executor, ScoreSnapshotTable } from '../store/index.js';
import type { ScoreCategory } from './control-definition.js';
import type { ScoreReport } from './evaluate.js';

export type SnapshotTrigger = ScoreSnapshotTable['trigger'];

/** One point of the trend: the totals of a report, per category, and each control's points. */
export interface ScoreSnapshot {
  id: string;
  at: string;
  /** The UTC day it stands for. */
  day: string;
  trigger: SnapshotTrigger;
  score: number;
  maxScore: number;
  percentage: number;
  achievableScore: number;
  categories: Record<ScoreCategory, { score: number; maxScore: number }>;
  controls?: Array<{ id: string; points: number; maxPoints: number; status: string }>;
}

export function utcDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}

export function snapshotRow(
  report: ScoreReport,
  trigger: SnapshotTrigger,
  nowMs: number,
): ScoreSnapshotTable {
  return {
    id: randomUUID(),
    taken_at: nowMs,
    daily_day: trigger === 'daily' ? utcDay(nowMs) : null,
    trigger,
    score: report.score,
    max_score: report.maxScore,
    achievable_score: report.achievableScore,
    categories: JSON.stringify(
      Object.fromEntries(
        report.categories.map((c) => [c.category, { score: c.score, maxScore: c.maxScore }]),
      ),
    ),
    controls: JSON.stringify(
      report.controls.map((c) => ({ id: c.id, points: c.points, maxPoints: c.maxPoints, status: c.status })),
    ),
  };
}

export function toSnapshot(row: ScoreSnapshotTable, withControls: boolean): ScoreSnapshot {
  return {
    id: row.id,
    at: new Date(row.taken_at).toISOString(),
    day: utcDay(row.taken_at),
    trigger: row.trigger,
    score: row.score,
    maxScore: row.max_score,
    percentage: row.max_score === 0 ? 0 : Math.round((row.score / row.max_score) * 10000) / 100,
    achievableScore: row.achievable_score,
    categories: JSON.parse(row.categories) as ScoreSnapshot['categories'],
    ...(withControls ? { controls: JSON.parse(row.controls) as ScoreSnapshot['controls'] } : {}),
  };
}

/** Inserts a snapshot; a second daily snapshot for the same day (another instance won) is dropped. */
export async function insertSnapshot(db: Executor, row: ScoreSnapshotTable): Promise<boolean> {
  const result = await db
    .insertInto('score_snapshots')
    .values(row)
    .onConflict((conflict) => conflict.column('daily_day').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function hasDailySnapshot(db: Executor, day: string): Promise<boolean> {
  const row = await db
    .selectFrom('score_snapshots')
    .select('id')
    .where('daily_day', '=', day)
    .executeTakeFirst();
  return row !== undefined;
}

/** Snapshots since `sinceMs`, oldest first: ready for a trend chart. */
export async function listSnapshots(db: Executor, sinceMs: number): Promise<ScoreSnapshot[]> {
  const rows = await db
    .selectFrom('score_snapshots')
    .selectAll()
    .where('taken_at', '>=', sinceMs)
    .orderBy('taken_at', 'asc')
    .execute();
  return rows.map((row) => toSnapshot(row, false));
}
