import { createHmac } from 'node:crypto';
import { compiledQuery, type Executor, type LockoutTable } from '../store/index.js';

/**
 * Smart lockout, per typed login and source network (IPv4 /24, IPv6 /64):
 * - `threshold` distinct wrong passwords from one network lock that network out of the account for
 *   `durationSeconds`, doubling with each repeat (capped at a day); the same wrong password retried
 *   (a phone with an old password) counts once.
 * - Networks are separate buckets, so an attacker's failures never lock the real user out from a
 *   network where they signed in before. Failures from networks the user never signed in from
 *   also fill one shared bucket per account (`*unfamiliar`, three times the threshold), so that an
 *   attacker who hops between networks still gets locked out, while familiar networks stay open.
 * - A success from a network clears that network's bucket; a bucket untouched for a day starts over.
 */
export const UNFAMILIAR_BUCKET = '*unfamiliar';
const UNFAMILIAR_FACTOR = 3;
const DECAY_MS = 86_400_000;
const MAX_LOCK_MS = 86_400_000;
const RECENT_TAGS = 20;

export interface LockoutSettings {
  enabled: boolean;
  threshold: number;
  durationSeconds: number;
}

export interface NewLock {
  login: string;
  source: string;
  lockedUntil: number;
  lockCount: number;
}

/** The buckets an attempt from `network` counts in. */
export function bucketsFor(network: string, familiar: boolean): string[] {
  return familiar ? [network] : [network, UNFAMILIAR_BUCKET];
}

/**
 * 20 bits of a keyed hash of the wrong password: enough to tell retries apart (a collision only
 * makes two different wrong passwords count once), too little to help anyone guess from the table.
 */
export function failureTag(login: string, secret: string): string {
  return createHmac('sha256', `mailwarden-lockout:${login}`).update(secret).digest('hex').slice(0, 5);
}

/** The lockout rows of a login (every network). */
const lockoutRowsQuery = compiledQuery<{ login: string }, LockoutTable>((db, param) =>
  db.selectFrom('lockouts').selectAll().where('login', '=', param('login')),
);

export async function lockoutRows(db: Executor, login: string): Promise<LockoutTable[]> {
  return (await lockoutRowsQuery(db, { login })).rows;
}

/** When the latest lock among `buckets` ends, or null when none is in force. */
export function activeLockUntil(
  rows: readonly LockoutTable[],
  buckets: readonly string[],
  nowMs: number,
): number | null {
  let until: number | null = null;
  for (const row of rows)
    if (buckets.includes(row.source) && row.locked_until !== null && row.locked_until > nowMs)
      until = Math.max(until ?? 0, row.locked_until);
  return until;
}

export async function recordFailure(
  trx: Executor,
  input: { login: string; buckets: readonly string[]; tag: string; nowMs: number; settings: LockoutSettings },
): Promise<NewLock[]> {
  const locks: NewLock[] = [];
  const { nowMs, settings } = input;
  for (const source of input.buckets) {
    const existing = await trx
      .selectFrom('lockouts')
      .selectAll()
      .where('login', '=', input.login)
      .where('source', '=', source)
      .executeTakeFirst();
    if (existing?.locked_until != null && existing.locked_until > nowMs) continue;
    const stale = !existing || existing.updated_at < nowMs - DECAY_MS;
    let failures = stale ? 0 : existing.failures;
    let recent: string[] = stale ? [] : safeTags(existing.recent_failures);
    let lockCount = stale ? 0 : existing.lock_count;
    let lockedUntil = stale ? null : existing.locked_until;
    if (!recent.includes(input.tag)) {
      failures += 1;
      recent = [...recent, input.tag].slice(-RECENT_TAGS);
      const threshold = settings.threshold * (source === UNFAMILIAR_BUCKET ? UNFAMILIAR_FACTOR : 1);
      if (failures >= threshold) {
        lockedUntil = nowMs + Math.min(settings.durationSeconds * 1000 * 2 ** lockCount, MAX_LOCK_MS);
        lockCount += 1;
        failures = 0;
        recent = [];
        locks.push({ login: input.login, source, lockedUntil, lockCount });
      }
    }
    const row: LockoutTable = {
      login: input.login,
      source,
      failures,
      recent_failures: JSON.stringify(recent),
      locked_until: lockedUntil,
      lock_count: lockCount,
      updated_at: nowMs,
    };
    await trx
      .insertInto('lockouts')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['login', 'source']).doUpdateSet({
          failures: row.failures,
          recent_failures: row.recent_failures,
          locked_until: row.locked_until,
          lock_count: row.lock_count,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }
  return locks;
}

/** A success from a network proves the user there: its bucket starts over. */
export async function clearNetwork(trx: Executor, login: string, network: string): Promise<void> {
  await trx.deleteFrom('lockouts').where('login', '=', login).where('source', '=', network).execute();
}

/** Lifts every lock of a login; how many buckets were locked. */
export async function unlockLogin(trx: Executor, login: string, nowMs: number): Promise<string[]> {
  const rows = await trx.selectFrom('lockouts').selectAll().where('login', '=', login).execute();
  await trx.deleteFrom('lockouts').where('login', '=', login).execute();
  return rows.filter((row) => row.locked_until !== null && row.locked_until > nowMs).map((row) => row.source);
}

function safeTags(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === 'string') : [];
  } catch {
    return [];
  }
}
