import type { Actor } from '../audit/index.js';
import { type MfaFailure, mfaFailure } from './mfa.outcomes.js';
import type { MfaDeps, MfaSubject } from './mfa-deps.js';
import { syncMfaState } from './mfa-state.js';
import { createTotpSecret, matchTotpStep, otpauthUri } from './totp-code.js';

const ISSUER = 'Mailwarden';

export interface TotpEnrolment {
  ok: true;
  /** Base32, for typing into an app by hand. */
  secret: string;
  /** otpauth:// URI, for the QR code. */
  uri: string;
}

/**
 * Starts (or restarts) TOTP enrolment: a fresh seed, sealed at rest, unconfirmed until the user
 * proves their app with a first code. A confirmed TOTP must be removed before another is enrolled.
 */
export async function startTotpEnrolment(
  deps: MfaDeps,
  user: MfaSubject,
): Promise<TotpEnrolment | MfaFailure> {
  const secret = createTotpSecret();
  const sealed = await deps.secrets.seal(secret);
  const now = deps.clock.nowMs();
  return deps.store.writeTransaction(async (trx) => {
    const existing = await trx
      .selectFrom('totp_credentials')
      .select('confirmed_at')
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (existing?.confirmed_at != null)
      return mfaFailure('totp-already-enrolled', 'an authenticator app is already set up; remove it first');
    if (existing) await trx.deleteFrom('totp_credentials').where('user_id', '=', user.id).execute();
    await trx
      .insertInto('totp_credentials')
      .values({
        user_id: user.id,
        secret_encrypted: sealed,
        created_at: now,
        confirmed_at: null,
        last_used_step: null,
      })
      .execute();
    return { ok: true as const, secret, uri: otpauthUri(secret, ISSUER, user.address) };
  });
}

/** Confirms enrolment with a first code from the app; from now on TOTP is a second factor. */
export async function confirmTotp(
  deps: MfaDeps,
  user: MfaSubject,
  code: string,
  actor: Actor,
): Promise<{ ok: true } | MfaFailure> {
  const row = await deps.store.db
    .selectFrom('totp_credentials')
    .selectAll()
    .where('user_id', '=', user.id)
    .executeTakeFirst();
  if (!row || row.confirmed_at !== null)
    return mfaFailure('totp-not-started', 'start setting up an authenticator app first');
  const step = matchTotpStep(await deps.secrets.open(row.secret_encrypted), code, deps.clock.nowMs(), null);
  if (step === null) return mfaFailure('bad-code', 'that code is not right; check the time on your device');
  return deps.store.writeTransaction(async (trx) => {
    const updated = await trx
      .updateTable('totp_credentials')
      .set({ confirmed_at: deps.clock.nowMs(), last_used_step: step })
      .where('user_id', '=', user.id)
      .where('confirmed_at', 'is', null)
      .where('secret_encrypted', '=', row.secret_encrypted)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1)
      return mfaFailure('totp-not-started', 'the setup changed meanwhile; start again');
    await syncMfaState(trx, user.id);
    await deps.audit.appendWithin(trx, [
      {
        operation: 'EnrolMfaMethod',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { method: 'totp' },
      },
    ]);
    return { ok: true as const };
  });
}

/**
 * Checks a code against the confirmed seed. RFC 6238 §5.2: a code is accepted at most once — the
 * step is recorded with a conditional update (`last_used_step < step`), so of two requests racing
 * with the same code exactly one wins, on SQLite and PostgreSQL alike.
 */
export async function verifyTotp(deps: MfaDeps, userId: string, code: string): Promise<boolean> {
  const row = await deps.store.db
    .selectFrom('totp_credentials')
    .selectAll()
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
  if (!row) return false;
  const step = matchTotpStep(
    await deps.secrets.open(row.secret_encrypted),
    code,
    deps.clock.nowMs(),
    row.last_used_step === null ? null : Number(row.last_used_step),
  );
  if (step === null) return false;
  const updated = await deps.store.writeTransaction((trx) =>
    trx
      .updateTable('totp_credentials')
      .set({ last_used_step: step })
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst(),
  );
  return Number(updated.numUpdatedRows) === 1;
}

export async function removeTotp(
  deps: MfaDeps,
  user: MfaSubject,
  actor: Actor,
): Promise<{ ok: true } | MfaFailure> {
  return deps.store.writeTransaction(async (trx) => {
    const deleted = await trx
      .deleteFrom('totp_credentials')
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0)
      return mfaFailure('totp-not-enrolled', 'no authenticator app is set up');
    await syncMfaState(trx, user.id);
    await deps.audit.appendWithin(trx, [
      {
        operation: 'RemoveMfaMethod',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { method: 'totp' },
      },
    ]);
    return { ok: true as const };
  });
}
