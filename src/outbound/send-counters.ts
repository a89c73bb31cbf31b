import { sql } from 'kysely';
import { compiledQuery, type Executor } from '../store/index.js';

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
  /**
   * When the windows restarted: the sender's last release, or the midnight that lifted a
   * restrict-today (null when neither happened). Nothing counted before it counts any more.
   */
  restartedAtMs: number | null;
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

const sendingStateQuery = compiledQuery<
  {
    userId: string;
    minute: number;
    hourStart: number;
    spamStart: number;
    dayStart: number;
    nowMs: number;
  },
  {
    minute_messages: number | string;
    hour_external: number | string;
    hour_internal: number | string;
    day_recipients: number | string;
    spam: number | string;
    restriction_rows: number | string;
    restarted_at: number | string | null;
  }
>((db, param) => {
  // The windows restart at the sender's last release, or at the midnight that lifted a
  // restrict-today: a released account is under every limit again, counted afresh.
  const restartedAt = sql<
    number | null
  >`(select max(case when released_at is not null then released_at when ${sql.ref('until')} <= ${param('nowMs')} then ${sql.ref('until')} end) from restrictions where user_id = ${param('userId')})`;
  return (
    db
      .selectFrom('send_counters')
      .select([
        sql<number>`coalesce(sum(case when minute = ${param('minute')} then messages else 0 end), 0)`.as(
          'minute_messages',
        ),
        sql<number>`coalesce(sum(case when minute >= ${param('hourStart')} then external_recipients else 0 end), 0)`.as(
          'hour_external',
        ),
        sql<number>`coalesce(sum(case when minute >= ${param('hourStart')} then internal_recipients else 0 end), 0)`.as(
          'hour_internal',
        ),
        sql<number>`coalesce(sum(internal_recipients + external_recipients), 0)`.as('day_recipients'),
        sql<number>`coalesce(sum(case when minute >= ${param('spamStart')} then spam_verdicts else 0 end), 0)`.as(
          'spam',
        ),
        // Active restriction rows: almost always none; only then are the rows read.
        (eb) =>
          eb
            .selectFrom('restrictions')
            .select(eb.fn.countAll<number>().as('rows'))
            .where('user_id', '=', param('userId'))
            .where('released_at', 'is', null)
            .where((r) => r.or([r('until', 'is', null), r('until', '>', param('nowMs'))]))
            .as('restriction_rows'),
        restartedAt.as('restarted_at'),
      ])
      .where('user_id', '=', param('userId'))
      .where('minute', '>', param('dayStart'))
      // A literal divisor: SQLite divides by a bound number as REAL, which would skip the restart minute.
      .where('minute', '>=', sql<number>`coalesce(${restartedAt} / ${sql.lit(MINUTE_MS)}, 0)`)
  );
});

/**
 * MAIL FROM's one statement: the sender's rolling windows since they last restarted, and how many
 * of the sender's restrictions are active. Almost always 0; only then does the caller read the
 * restriction rows themselves (findActiveRestriction).
 *
 * The windows restart at a minute's start (counters are per minute); a release moves what its
 * minute counted before it into the minute before (restartCountersAt), so a restart is exact.
 */
export async function readSendingState(
  db: Executor,
  userId: string,
  nowMs: number,
  spamWindowMinutes: number,
): Promise<{ windows: SendWindows; restrictionRows: number }> {
  const now = minuteOf(nowMs);
  const { rows } = await sendingStateQuery(db, {
    userId,
    minute: now,
    hourStart: now - 59,
    spamStart: now - (spamWindowMinutes - 1),
    dayStart: now - DAY_MINUTES,
    nowMs,
  });
  const row = rows[0];
  return {
    windows: {
      messagesThisMinute: Number(row?.minute_messages ?? 0),
      externalThisHour: Number(row?.hour_external ?? 0),
      internalThisHour: Number(row?.hour_internal ?? 0),
      recipientsToday: Number(row?.day_recipients ?? 0),
      spamVerdictsInWindow: Number(row?.spam ?? 0),
      restartedAtMs:
        row?.restarted_at === null || row?.restarted_at === undefined ? null : Number(row.restarted_at),
    },
    restrictionRows: Number(row?.restriction_rows ?? 0),
  };
}

const recordSendQuery = compiledQuery<
  {
    userId: string;
    minute: number;
    messages: number;
    internalRecipients: number;
    externalRecipients: number;
    spamVerdicts: number;
  },
  never
>((db, param) =>
  db
    .insertInto('send_counters')
    .values({
      user_id: param('userId'),
      minute: param('minute'),
      messages: param('messages'),
      internal_recipients: param('internalRecipients'),
      external_recipients: param('externalRecipients'),
      spam_verdicts: param('spamVerdicts'),
    })
    .onConflict((conflict) =>
      conflict.columns(['user_id', 'minute']).doUpdateSet({
        messages: sql`send_counters.messages + excluded.messages`,
        internal_recipients: sql`send_counters.internal_recipients + excluded.internal_recipients`,
        external_recipients: sql`send_counters.external_recipients + excluded.external_recipients`,
        spam_verdicts: sql`send_counters.spam_verdicts + excluded.spam_verdicts`,
      }),
    ),
);

export async function recordSend(
  db: Executor,
  userId: string,
  nowMs: number,
  increment: SendIncrement,
): Promise<void> {
  await recordSendQuery(db, { userId, minute: minuteOf(nowMs), ...increment });
}

/**
 * A release restarts the windows at its minute (readSendingState counts from the restart's minute).
 * What that minute counted before the release moves to the minute before: out of every window, and
 * still in the week's totals the spam baseline reads. Deleting with RETURNING takes the row as it
 * is, so a concurrent increment lands either in what moves or in a new row after the release.
 */
export async function restartCountersAt(db: Executor, userId: string, nowMs: number): Promise<void> {
  const minute = minuteOf(nowMs);
  const moved = await db
    .deleteFrom('send_counters')
    .where('user_id', '=', userId)
    .where('minute', '=', minute)
    .returning(['messages', 'internal_recipients', 'external_recipients', 'spam_verdicts'])
    .executeTakeFirst();
  if (!moved) return;
  await recordSendQuery(db, {
    userId,
    minute: minute - 1,
    messages: Number(moved.messages),
    internalRecipients: Number(moved.internal_recipients),
    externalRecipients: Number(moved.external_recipients),
    spamVerdicts: Number(moved.spam_verdicts),
  });
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

/** What one account sent in one clock hour (UTC hours: every zone's hour but a few half-hour ones). */
export interface HourOfSending {
  hourStartMs: number;
  messages: number;
  internalRecipients: number;
  externalRecipients: number;
}

/**
 * The account's sending per clock hour over the last `hours` hours, oldest first, only the hours
 * with sends: at most 60 × hours rows of the (user_id, minute) key, summed per hour.
 */
export async function sendingPerHour(
  db: Executor,
  userId: string,
  nowMs: number,
  hours: number,
): Promise<HourOfSending[]> {
  const firstHour = Math.floor(minuteOf(nowMs) / 60) - (hours - 1);
  // A literal divisor: SQLite divides by a bound number as REAL.
  const hour = sql<number | string>`minute / ${sql.lit(60)}`;
  const rows = await db
    .selectFrom('send_counters')
    .select([
      hour.as('hour'),
      sql<number | string>`sum(messages)`.as('messages'),
      sql<number | string>`sum(internal_recipients)`.as('internal'),
      sql<number | string>`sum(external_recipients)`.as('external'),
    ])
    .where('user_id', '=', userId)
    .where('minute', '>=', firstHour * 60)
    .groupBy(hour)
    .orderBy('hour')
    .execute();
  return rows.map((row) => ({
    hourStartMs: Number(row.hour) * 60 * MINUTE_MS,
    messages: Number(row.messages),
    internalRecipients: Number(row.internal),
    externalRecipients: Number(row.external),
  }));
}
