import { sql } from 'kysely';
import type { Executor, SignInTable, Store } from '../store/index.js';
import type { RiskLevel, RiskReason } from './risk.js';

/** One entry of the sign-in log, as the CLI, the API and the self-service page show it. */
export interface SignInEntry {
  id: string;
  at: string;
  user: string | null;
  login: string;
  protocol: SignInTable['protocol'];
  clientIp: string | null;
  country: string | null;
  city: string | null;
  client: string | null;
  result: 'success' | 'failure';
  reason: string;
  credential: string | null;
  risk: { level: RiskLevel; reasons: RiskReason[] };
}

export interface SignInFilter {
  /** A user's primary address (or the login that was typed, for unknown names). */
  login?: string;
  userId?: string;
  sinceMs?: number;
  result?: 'success' | 'failure';
  limit?: number;
}

export const MAX_SIGN_IN_PAGE = 1000;

export async function listSignIns(db: Executor, filter: SignInFilter): Promise<SignInEntry[]> {
  let query = db.selectFrom('sign_ins').selectAll();
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  else if (filter.login !== undefined)
    // A login that names no account (identity.listSignIns lists accounts by id): its entries are
    // failures, found through the failures index (migration 012) rather than a scan of the log.
    query = query
      .where('login', '=', filter.login.trim().toLowerCase())
      .where('result', '=', sql.lit('failure'));
  if (filter.sinceMs !== undefined) query = query.where('at', '>=', filter.sinceMs);
  if (filter.result !== undefined) query = query.where('result', '=', filter.result);
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_SIGN_IN_PAGE);
  const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toSignInEntry);
}

export function toSignInEntry(row: SignInTable): SignInEntry {
  let reasons: RiskReason[] = [];
  try {
    const parsed: unknown = JSON.parse(row.risk_reasons);
    if (Array.isArray(parsed)) reasons = parsed as RiskReason[];
  } catch {}
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    user: row.user_id === null ? null : row.login,
    login: row.login,
    protocol: row.protocol,
    clientIp: row.client_ip,
    country: row.country,
    city: row.city,
    client: row.client,
    result: row.result,
    reason: row.reason,
    credential: row.credential,
    risk: { level: row.risk_level, reasons },
  };
}

/** Drops entries older than the retention (signIns.retentionDays); how many went. */
export async function pruneSignIns(store: Store, olderThanMs: number, nowMs: number): Promise<number> {
  return store.writeTransaction(async (trx) => {
    const result = await trx.deleteFrom('sign_ins').where('at', '<', olderThanMs).executeTakeFirst();
    // Familiar networks are remembered longer than the log: a year without a sign-in forgets one.
    await trx
      .deleteFrom('familiar_networks')
      .where('last_at', '<', olderThanMs - 335 * 86_400_000)
      .execute();
    // Lockout buckets untouched for a day have started over anyway (lockout.ts): unknown logins an
    // attacker tried would otherwise pile up.
    const dayAgo = nowMs - 86_400_000;
    await trx
      .deleteFrom('lockouts')
      .where('updated_at', '<', dayAgo)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowMs)]))
      .execute();
    return Number(result.numDeletedRows);
  });
}

/** How many sign-ins of one result came from one country (null: no GeoIP answer, or a private address). */
export interface SignInsFromCountry {
  country: string | null;
  result: 'success' | 'failure';
  signIns: number;
}

/**
 * A user's sign-ins since `sinceMs` by country and result, most first: a range of the
 * sign_ins_user_at_country index (user_id, at, country, result), grouped without reading the table. At most (countries × 2) rows.
 */
export async function signInsByCountry(
  db: Executor,
  userId: string,
  sinceMs: number,
): Promise<SignInsFromCountry[]> {
  const rows = await db
    .selectFrom('sign_ins')
    .select(['country', 'result', (eb) => eb.fn.countAll<number | string>().as('sign_ins')])
    .where('user_id', '=', userId)
    .where('at', '>=', sinceMs)
    .groupBy(['country', 'result'])
    .execute();
  return rows
    .map((row) => ({ country: row.country, result: row.result, signIns: Number(row.sign_ins) }))
    .sort((a, b) => b.signIns - a.signIns || String(a.country).localeCompare(String(b.country)));
}
