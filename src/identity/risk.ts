import { sql } from 'kysely';
import type { GeoLocation } from '../runtime/geoip.js';
import {
  compiledQuery,
  type Executor,
  type FamiliarNetworkTable,
  type LockoutTable,
} from '../store/index.js';
import { distanceKm } from './networks.js';

/**
 * Sign-in risk: named detections, each with a weight; the level is what the policy acts on
 * (PRODUCT.md "Sign-in and lockout"; risk.policyEnabled): high → refuse; medium → a second factor
 * on the web, an app password (never the account password) on mail protocols.
 */
export type RiskLevel = 'none' | 'low' | 'medium' | 'high';
export type RiskReason =
  | 'unfamiliar-network'
  | 'new-country'
  | 'impossible-travel'
  | 'password-spray'
  | 'brute-force'
  | 'after-lockout';

export interface SignInRisk {
  level: RiskLevel;
  reasons: RiskReason[];
}

const reasonWeight: Record<RiskReason, 'low' | 'medium' | 'high'> = {
  // A network the user never signed in from, in a country they did sign in from.
  'unfamiliar-network': 'low',
  // A country none of the user's familiar networks is in.
  'new-country': 'medium',
  // The previous successful sign-in is farther away than 900 km/h could cover.
  'impossible-travel': 'medium',
  // This client failed against many accounts within the hour: whatever it does next is an attack.
  'password-spray': 'high',
  // Many distinct wrong passwords against this account within the hour (all sources), and this
  // attempt comes from a network the user never signed in from.
  'brute-force': 'medium',
  // A lockout of this account is in force elsewhere or ended minutes ago (unfamiliar network).
  'after-lockout': 'medium',
};

export const IMPOSSIBLE_TRAVEL_KMH = 900;
/** Below this distance GeoIP's city guesses are noise (a carrier's pool spans a region). */
const MIN_TRAVEL_KM = 100;
export const SPRAY_WINDOW_MS = 60 * 60_000;
/** Distinct accounts one client failed against within the window. */
export const SPRAY_ACCOUNTS = 10;
export const BRUTE_FORCE_WINDOW_MS = 60 * 60_000;
export const AFTER_LOCKOUT_MS = 15 * 60_000;

export function riskLevelOf(reasons: readonly RiskReason[]): RiskLevel {
  const weights = reasons.map((reason) => reasonWeight[reason]);
  if (weights.includes('high') || weights.filter((weight) => weight === 'medium').length >= 2) return 'high';
  if (weights.includes('medium')) return 'medium';
  if (weights.includes('low')) return 'low';
  return 'none';
}

export const riskRank: Record<RiskLevel, number> = { none: 0, low: 1, medium: 2, high: 3 };

export interface RiskInput {
  nowMs: number;
  userId: string | null;
  login: string;
  clientIp: string | null;
  network: string;
  geo: GeoLocation | null;
  familiar: readonly FamiliarNetworkTable[];
  lockouts: readonly LockoutTable[];
  /** lockout.threshold: the brute-force count uses the same number. */
  threshold: number;
}

/** Reads what the detections need (indexed, bounded queries) and names what it finds. */
export async function assessRisk(db: Executor, input: RiskInput): Promise<SignInRisk> {
  const reasons: RiskReason[] = [];
  const { nowMs } = input;
  if (input.userId !== null && input.familiar.length > 0) {
    const knownNetwork = input.familiar.some((row) => row.network === input.network);
    const knownCountries = new Set(input.familiar.map((row) => row.country).filter((c) => c !== null));
    if (!knownNetwork && input.network !== 'unknown') {
      if (input.geo && knownCountries.size > 0 && !knownCountries.has(input.geo.country))
        reasons.push('new-country');
      else reasons.push('unfamiliar-network');
    }
  }
  // An account under attack: what matters is whether this attempt is the attacker's. From a network
  // the user signed in from before it most likely is not (smart lockout reasons the same way).
  const familiarNetwork = input.familiar.some((row) => row.network === input.network);
  // Independent reads, in parallel (PostgreSQL runs them on separate connections).
  const [travel, spray, bruteForce] = await Promise.all([
    impossibleTravel(db, input),
    passwordSpray(db, input),
    familiarNetwork ? Promise.resolve(false) : bruteForceOn(db, input),
  ]);
  if (travel) reasons.push('impossible-travel');
  if (spray) reasons.push('password-spray');
  if (bruteForce) reasons.push('brute-force');
  if (
    !familiarNetwork &&
    input.lockouts.some(
      (row) => row.lock_count > 0 && row.locked_until !== null && row.locked_until > nowMs - AFTER_LOCKOUT_MS,
    )
  )
    reasons.push('after-lockout');
  return { level: riskLevelOf(reasons), reasons };
}

async function impossibleTravel(db: Executor, input: RiskInput): Promise<boolean> {
  const geo = input.geo;
  if (input.userId === null || geo?.latitude == null || geo.longitude == null) return false;
  const last = (await lastLocatedSignInQuery(db, { userId: input.userId })).rows[0];
  if (!last || last.latitude === null || last.longitude === null) return false;
  const km = distanceKm(
    { lat: last.latitude, lon: last.longitude },
    { lat: geo.latitude, lon: geo.longitude },
  );
  const hours = Math.max(input.nowMs - last.at, 1000) / 3_600_000;
  return km > MIN_TRAVEL_KM && km / hours > IMPOSSIBLE_TRAVEL_KMH;
}

async function passwordSpray(db: Executor, input: RiskInput): Promise<boolean> {
  if (input.clientIp === null) return false;
  const { rows: recent } = await recentFailuresFromQuery(db, {
    clientIp: input.clientIp,
    sinceMs: input.nowMs - SPRAY_WINDOW_MS,
  });
  const accounts = new Set(recent.map((row) => row.login));
  accounts.delete(input.login);
  return accounts.size >= SPRAY_ACCOUNTS;
}

async function bruteForceOn(db: Executor, input: RiskInput): Promise<boolean> {
  const { rows: failures } = await recentFailureTagsQuery(db, {
    login: input.login,
    sinceMs: input.nowMs - BRUTE_FORCE_WINDOW_MS,
  });
  // Distinct wrong passwords: a phone retrying an old one is not an attack.
  return new Set(failures.map((row) => row.failure_tag)).size >= input.threshold * 2;
}

// Every sign-in runs some of these: built and compiled once (compiled-query.ts).
const lastLocatedSignInQuery = compiledQuery<
  { userId: string },
  { at: number; latitude: number | null; longitude: number | null }
>((db, param) =>
  db
    .selectFrom('sign_ins')
    .select(['at', 'latitude', 'longitude'])
    .where('user_id', '=', param('userId'))
    .where('result', '=', 'success')
    .where('latitude', 'is not', null)
    .orderBy('at', 'desc')
    .limit(1),
);

/**
 * Bounded: the newest failures of this client only. `result = 'failure'` is a literal, not a
 * parameter: the index holds failures only (migration 012) and the planner must see that it applies.
 */
const recentFailuresFromQuery = compiledQuery<{ clientIp: string; sinceMs: number }, { login: string }>(
  (db, param) =>
    db
      .selectFrom('sign_ins')
      .select('login')
      .where('client_ip', '=', param('clientIp'))
      .where('result', '=', sql.lit('failure'))
      .where('at', '>', param('sinceMs'))
      .orderBy('at', 'desc')
      .limit(500),
);

const recentFailureTagsQuery = compiledQuery<
  { login: string; sinceMs: number },
  { failure_tag: string | null }
>((db, param) =>
  db
    .selectFrom('sign_ins')
    .select('failure_tag')
    .where('login', '=', param('login'))
    .where('result', '=', sql.lit('failure'))
    .where('at', '>', param('sinceMs'))
    .where('failure_tag', 'is not', null)
    .orderBy('at', 'desc')
    .limit(500),
);
