import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../audit/index.js';
import type { UserTable, WebSessionTable } from '../store/index.js';
import type { MfaDeps, MfaSubject } from './mfa-deps.js';

export interface WebSessionPolicy {
  /** A session unused this long is over (OWASP ASVS 3.3.2). */
  idleTimeoutMs: number;
  /** A session is over this long after sign-in, used or not. */
  absoluteTimeoutMs: number;
}

export type WebSessionStage = WebSessionTable['stage'];

export interface WebSession {
  id: string;
  stage: WebSessionStage;
  createdAt: number;
  secondFactor: string | null;
  clientIp: string | null;
  user: UserTable;
}

export type WebSessionCheck =
  | { ok: true; session: WebSession }
  | {
      ok: false;
      code: 'unknown' | 'expired' | 'idle' | 'revoked' | 'signed-out-everywhere' | 'account-disabled';
    };

/** 256 bits from the CSPRNG, base64url: the cookie's value. Only its SHA-256 is stored. */
const TOKEN_BYTES = 32;
/** A half-signed-in session (second factor or enrolment due) lasts this long at most. */
const PENDING_STAGE_TTL_MS = 15 * 60_000;
/** last_seen_at is written at most this often, so that page views do not all turn into writes. */
const LAST_SEEN_REFRESH_MS = 60_000;

export function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createWebSession(
  deps: MfaDeps,
  policy: WebSessionPolicy,
  input: {
    userId: string;
    stage: WebSessionStage;
    secondFactor: string | null;
    clientIp: string | null;
    userAgent: string | null;
  },
): Promise<{ token: string; id: string }> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  const id = sessionIdOf(token);
  const now = deps.clock.nowMs();
  await deps.store.writeTransaction((trx) =>
    trx
      .insertInto('web_sessions')
      .values({
        id,
        user_id: input.userId,
        stage: input.stage,
        created_at: now,
        last_seen_at: now,
        expires_at: now + policy.absoluteTimeoutMs,
        client_ip: input.clientIp,
        user_agent: input.userAgent?.slice(0, 512) ?? null,
        revoked_at: null,
        challenge: null,
        challenge_purpose: null,
        challenge_expires_at: null,
        second_factor: input.secondFactor,
      })
      .execute(),
  );
  return { token, id };
}

/**
 * The session behind a cookie token, validated into a union (Lucia's habit). Honours the idle and
 * absolute timeouts, a revocation, users.sessions_valid_after (sign out everywhere, admin reset,
 * disable) and a disabled account.
 */
export async function checkWebSession(
  deps: MfaDeps,
  policy: WebSessionPolicy,
  token: string,
): Promise<WebSessionCheck> {
  if (token.length === 0 || token.length > 100) return { ok: false, code: 'unknown' };
  const id = sessionIdOf(token);
  const row = await deps.store.db
    .selectFrom('web_sessions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return { ok: false, code: 'unknown' };
  const now = deps.clock.nowMs();
  if (row.revoked_at !== null) return { ok: false, code: 'revoked' };
  if (Number(row.expires_at) <= now) return { ok: false, code: 'expired' };
  if (Number(row.last_seen_at) + policy.idleTimeoutMs <= now) return { ok: false, code: 'idle' };
  if (row.stage !== 'complete' && Number(row.created_at) + PENDING_STAGE_TTL_MS <= now)
    return { ok: false, code: 'expired' };
  const user = await deps.store.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', row.user_id)
    .executeTakeFirst();
  if (!user) return { ok: false, code: 'unknown' };
  // `<=`: a session created in the same millisecond as "sign out everywhere" is over too.
  if (Number(row.created_at) <= Number(user.sessions_valid_after))
    return { ok: false, code: 'signed-out-everywhere' };
  if (user.disabled_at !== null) return { ok: false, code: 'account-disabled' };
  if (now - Number(row.last_seen_at) >= LAST_SEEN_REFRESH_MS)
    await deps.store.writeTransaction((trx) =>
      trx.updateTable('web_sessions').set({ last_seen_at: now }).where('id', '=', id).execute(),
    );
  return {
    ok: true,
    session: {
      id,
      stage: row.stage,
      createdAt: Number(row.created_at),
      secondFactor: row.second_factor,
      clientIp: row.client_ip,
      user,
    },
  };
}

/** Moves a session on (password → complete, enrol → complete) once its next step is done. */
export async function advanceWebSession(
  deps: MfaDeps,
  sessionId: string,
  stage: WebSessionStage,
  secondFactor: string | null,
): Promise<void> {
  await deps.store.writeTransaction((trx) =>
    trx
      .updateTable('web_sessions')
      .set({ stage, second_factor: secondFactor, last_seen_at: deps.clock.nowMs() })
      .where('id', '=', sessionId)
      .execute(),
  );
}

/**
 * Replaces the session with a fresh token at a privilege change (OWASP: renew the session id after
 * authentication), so that a token planted before sign-in is worthless after it.
 */
export async function renewWebSession(
  deps: MfaDeps,
  policy: WebSessionPolicy,
  old: WebSession,
  stage: WebSessionStage,
  secondFactor: string | null,
  userAgent: string | null,
): Promise<{ token: string; id: string }> {
  await revokeWebSession(deps, old.id);
  return createWebSession(deps, policy, {
    userId: old.user.id,
    stage,
    secondFactor,
    clientIp: old.clientIp,
    userAgent,
  });
}

export async function revokeWebSession(deps: MfaDeps, sessionId: string): Promise<void> {
  await deps.store.writeTransaction((trx) =>
    trx
      .updateTable('web_sessions')
      .set({ revoked_at: deps.clock.nowMs(), challenge: null })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute(),
  );
}

/**
 * Sign out everywhere: every web session of the user ends now, including ones another instance
 * validates (they all read sessions_valid_after), audited with who asked.
 */
export async function signOutEverywhere(deps: MfaDeps, user: MfaSubject, actor: Actor): Promise<void> {
  const now = deps.clock.nowMs();
  await deps.store.writeTransaction(async (trx) => {
    await trx.updateTable('users').set({ sessions_valid_after: now }).where('id', '=', user.id).execute();
    await trx
      .updateTable('web_sessions')
      .set({ revoked_at: now, challenge: null })
      .where('user_id', '=', user.id)
      .where('revoked_at', 'is', null)
      .execute();
    await deps.audit.appendWithin(trx, [
      { operation: 'SignOutEverywhere', result: 'success', mailbox: user.address, ...actor },
    ]);
  });
}

/**
 * The CSRF synchronizer token of a session: HMAC-SHA-256 keyed by the session's secret cookie token.
 * Bound to the session without storing anything, unknowable to another site (the cookie is HttpOnly
 * and never leaves this origin), and different for every session.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('mailwarden csrf v1').digest('base64url');
}

export function verifyCsrfToken(sessionToken: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Stores a WebAuthn challenge on the session it is issued to, replacing any earlier one.
 */
export async function putChallenge(
  deps: MfaDeps,
  sessionId: string,
  purpose: 'passkey-registration' | 'passkey-authentication',
  challenge: string,
  ttlMs: number,
): Promise<void> {
  await deps.store.writeTransaction((trx) =>
    trx
      .updateTable('web_sessions')
      .set({ challenge, challenge_purpose: purpose, challenge_expires_at: deps.clock.nowMs() + ttlMs })
      .where('id', '=', sessionId)
      .execute(),
  );
}

/** Takes the session's challenge for a purpose and clears it: single use, null when absent or stale. */
export async function takeChallenge(
  deps: MfaDeps,
  sessionId: string,
  purpose: 'passkey-registration' | 'passkey-authentication',
): Promise<string | null> {
  return deps.store.writeTransaction(async (trx) => {
    const row = await trx
      .selectFrom('web_sessions')
      .select(['challenge', 'challenge_purpose', 'challenge_expires_at'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!row?.challenge) return null;
    await trx
      .updateTable('web_sessions')
      .set({ challenge: null, challenge_purpose: null, challenge_expires_at: null })
      .where('id', '=', sessionId)
      .execute();
    if (row.challenge_purpose !== purpose || Number(row.challenge_expires_at) <= deps.clock.nowMs())
      return null;
    return row.challenge;
  });
}

/** Sessions over for a day (expired or revoked) are deleted; how many went. */
export async function pruneWebSessions(deps: MfaDeps): Promise<number> {
  const cutoff = deps.clock.nowMs() - 86_400_000;
  const deleted = await deps.store.writeTransaction((trx) =>
    trx
      .deleteFrom('web_sessions')
      .where((eb) => eb.or([eb('expires_at', '<', cutoff), eb('revoked_at', '<', cutoff)]))
      .executeTakeFirst(),
  );
  return Number(deleted.numDeletedRows);
}
