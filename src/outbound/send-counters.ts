import { sql } from 'kysely';
import type { Executor } from '../store/index.js';

/**
 * Rolling windows over per-user, per-minute rows (send_counters), persisted in the store so that a
 * restart or another instance on the same PostgreSQL sees the same counts.
 *
 * Precision: a window of N minutes sums the current minute and the N-1 before it, so the "rolling
 * hour" covers between 59 and 60 minutes and the "rolling 24 hours" between 1439 and 1440. Counting
 * errs toward the sender by at most the part of one minute that left the window.
 */
export const MINUTE_MS = 60_000;
export const DAY_MINUTES = 1440;
/** Rows are kept a week: the windows read the last day, the spam baseline the whole week. */
export const RETENTION_MINUTES = 7 * DAY_MINUTES;

export interface SendWindows {
  messagesThisMinute: number;
  externalThisHour: number;
  internalThisHour: number;
  recipientsToday: number;
  spamVerdictsInWindow: number;
}

export interface SendIncrement {
  messages: number;
  internalRecipients: number;
  externalRecipients: number;
  spamVerdicts: number;
}

export function minuteOf(timeMs: number): number {
  return Math.floor(timeMs / MINUTE_MS);
}

export async function readWindows(
  db: Executor,
  userId: string,
  nowMs: number,
  spamWindowMinutes: number,
): Promise<SendWindows> {
  const now = minuteOf(nowMs);
  const hourStart = now - 59;
  const spamStart = now - (spamWindowMinutes - 1);
  const row = await db
    .selectFrom('send_counters')
    .select([
      sql<number>`coalesce(sum(case when minute = ${now} then messages else 0 end), 0)`.as('minute_messages'),
      sql<number>`coalesce(sum(case when minute >= ${hourStart} then external_recipients else 0 end), 0)`.as(
        'hour_external',
      ),
      sql<number>`coalesce(sum(case when minute >= ${hourStart} then internal_recipients else 0 end), 0)`.as(
        'hour_internal',
      ),
      sql<number>`coalesce(sum(internal_recipients + external_recipients), 0)`.as('day_recipients'),
      sql<number>`coalesce(sum(case when minute >= ${spamStart} then spam_verdicts else 0 end), 0)`.as(
        'spam',
      ),
    ])
    .where('user_id', '=', userId)
    .where('minute', '>', now - DAY_MINUTES)
    .executeTakeFirst();
  return {
    messagesThisMinute: Number(row?.minute_messages ?? 0),
    externalThisHour: Number(row?.hour_external ?? 0),
    internalThisHour: Number(row?.hour_internal ?? 0),
    recipientsToday: Number(row?.day_recipients ?? 0),
    spamVerdictsInWindow: Number(row?.spam ?? 0),
  };
}

export async function recordSend(
  db: Executor,
  userId: string,
  nowMs: number,
  increment: SendIncrement,
): Promise<void> {
  await db
    .insertInto('send_counters')
    .values({
      user_id: userId,
      minute: minuteOf(nowMs),
      messages: increment.messages,
      internal_recipients: increment.internalRecipients,
      external_recipients: increment.externalRecipients,
      spam_verdicts: increment.spamVerdicts,
    })
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'minute']).doUpdateSet({
        messages: sql`send_counters.messages + excluded.messages`,
        internal_recipients: sql`send_counters.internal_recipients + excluded.internal_recipients`,
        external_recipients: sql`send_counters.external_recipients + excluded.external_recipients`,
        spam_verdicts: sql`send_counters.spam_verdicts + excluded.spam_verdicts`,
      }),
    )
    .execute();
}

/**
 * The account's own normal: recipients per hour over its last 7 days, averaged over the hours since
 * its first counted send (at least one day), so that a new account's first burst stands out too.
 */
export async function baselineRecipientsPerHour(
  db: Executor,
  userId: string,
  nowMs: number,
): Promise<number> {
  const now = minuteOf(nowMs);
  const row = await db
    .selectFrom('send_counters')
    .select([
      sql<number>`coalesce(sum(internal_recipients + external_recipients), 0)`.as('recipients'),
      sql<number | null>`min(minute)`.as('first_minute'),
    ])
    .where('user_id', '=', userId)
    .where('minute', '>', now - RETENTION_MINUTES)
    .executeTakeFirst();
  if (!row || row.first_minute === null) return 0;
  const hours = Math.min(168, Math.max(24, (now - Number(row.first_minute)) / 60));
  return Number(row.recipients) / hours;
}

/** Rows older than the retention are never read again. */
export async function pruneCounters(db: Executor, nowMs: number): Promise<number> {
  const result = await db
    .deleteFrom('send_counters')
    .where('minute', '<=', minuteOf(nowMs) - RETENTION_MINUTES)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
