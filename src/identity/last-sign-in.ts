import { compiledQuery, type Executor } from '../store/index.js';

/**
 * Each user's latest successful sign-in (users.last_sign_in_at, migration 011), for "inactive for 90
 * days". The column is exact only from the first start that kept it: that time is recorded once, and
 * a question about a period before it falls back to the sign-in log (src/composition/score-inactive-accounts.ts).
 */
const TRACKED_SINCE_KEY = 'identity.lastSignInTrackedSince';

/** A user's last sign-in is rewritten at most this often: inactivity is counted in days. */
export const LAST_SIGN_IN_REFRESH_MS = 60 * 60_000;

/** Records, once, that last sign-ins are kept from now on (the app's clock). */
export async function startLastSignInTracking(db: Executor, nowMs: number): Promise<void> {
  if ((await lastSignInTrackedSince(db)) !== null) return;
  await db
    .insertInto('meta')
    .values({ key: TRACKED_SINCE_KEY, value: String(nowMs) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** Since when every successful sign-in is in users.last_sign_in_at (null: not started yet). */
export async function lastSignInTrackedSince(db: Executor): Promise<number | null> {
  const row = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', TRACKED_SINCE_KEY)
    .executeTakeFirst();
  return row ? Number(row.value) : null;
}

export const recordLastSignInQuery = compiledQuery<{ id: string; nowMs: number }, never>((db, param) =>
  db
    .updateTable('users')
    .set({ last_sign_in_at: param('nowMs') })
    .where('id', '=', param('id')),
);
