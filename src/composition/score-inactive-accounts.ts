import type { ExpressionBuilder } from 'kysely';
import { finding, notAvailable, type Reading, reading } from '../score/index.js';
import type { Database } from '../store/index.js';
import { count, read } from './score-read-helpers.js';
import type { ScoreSources } from './score-sources.js';

/**
 * Enabled users older than `sinceMs`, and those of them without a successful sign-in since: from
 * users.last_sign_in_at where it is exact, from the sign-in log where it must be, and "not available"
 * where neither can tell.
 */
export async function inactiveAccounts(
  sources: Pick<ScoreSources, 'store' | 'identity' | 'settings' | 'clock'>,
  sinceMs: number,
): Promise<Reading<{ eligible: number; inactive: number }>> {
  const db = sources.store.db;
  const eligible = (eb: ExpressionBuilder<Database, 'users'>) =>
    eb.and([eb('users.disabled_at', 'is', null), eb('users.created_at', '<', sinceMs)]);
  const trackedSince = await read(() => sources.identity.lastSignInTrackedSince());
  if (!trackedSince.available) return trackedSince;
  // users.last_sign_in_at (migration 011) is exact for every user created since it began to be
  // kept (on a new install: all of them) and for anyone it shows signed in within the period.
  // Only an older user without such a sign-in is unsure: the log must tell whether they signed
  // in before the column was kept.
  const keptFrom = trackedSince.value ?? Number.MAX_SAFE_INTEGER;
  const counted = await read(async () => {
    const row = await db
      .selectFrom('users')
      .select((eb) => {
        const inactive = eb.or([
          eb('users.last_sign_in_at', 'is', null),
          eb('users.last_sign_in_at', '<', sinceMs),
        ]);
        return [
          eb.fn.countAll().as('n'),
          eb.fn.count('users.id').filterWhere(inactive).as('inactive'),
          eb.fn
            .count('users.id')
            .filterWhere(eb.and([inactive, eb('users.created_at', '<', keptFrom)]))
            .as('unsure'),
        ];
      })
      .where(eligible)
      .executeTakeFirst();
    return {
      eligible: count(row),
      inactive: Number(row?.inactive ?? 0),
      unsure: Number(row?.unsure ?? 0),
    };
  });
  if (!counted.available) return counted;
  if (counted.value.unsure === 0)
    return reading({ eligible: counted.value.eligible, inactive: counted.value.inactive });
  // Otherwise the sign-in log must reach back over the whole period, and must be written at
  // all: an empty or shorter log means "not known", not "nobody signed in".
  const retention = await read(() => sources.settings.get('signIns.retentionDays'));
  if (!retention.available) return retention;
  const periodDays = Math.round((sources.clock.nowMs() - sinceMs) / 86_400_000);
  if (retention.value < periodDays) {
    const values = { count: counted.value.unsure, days: retention.value, period: periodDays };
    return notAvailable(
      trackedSince.value === null
        ? finding('score.reason.signInLogShort', values)
        : finding('score.reason.signInLogShortUntil', {
            ...values,
            day: new Date(trackedSince.value + periodDays * 86_400_000).toISOString().slice(0, 10),
          }),
    );
  }
  const logged = await read(() => db.selectFrom('sign_ins').select('id').limit(1).executeTakeFirst());
  if (!logged.available) return logged;
  if (!logged.value) return notAvailable(finding('score.reason.signInLogEmpty'));
  return read(async () => {
    const [all, active] = await Promise.all([
      db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(eligible)
        .executeTakeFirst(),
      // A semi-join (IN): one pass over the period's successful sign-ins, hashed.
      db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('n'))
        .where(eligible)
        .where('users.id', 'in', (eb) =>
          eb
            .selectFrom('sign_ins')
            .select('sign_ins.user_id')
            .where('sign_ins.at', '>=', sinceMs)
            .where('sign_ins.result', '=', 'success'),
        )
        .executeTakeFirst(),
    ]);
    return { eligible: count(all), inactive: count(all) - count(active) };
  });
}
