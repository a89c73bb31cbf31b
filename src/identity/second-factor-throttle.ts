import type { MfaDeps } from './mfa-deps.js';

/**
 * Guessing a 6-digit code: with ±1 step, 3 of 10^6 codes are right at any moment. Someone who has the
 * password must not be able to try codes at machine speed: after 10 wrong second factors for one user
 * in 15 minutes (from the sign-in log), further attempts are refused until the window moves on. That
 * bounds a guesser to ~1e-6 success per hour (NIST SP 800-63B §5.2.2, rate limiting).
 */
export const SECOND_FACTOR_MAX_FAILURES = 10;
export const SECOND_FACTOR_WINDOW_MS = 15 * 60_000;
const SECOND_FACTORS = ['totp', 'passkey', 'recovery-code'];

export async function secondFactorThrottled(deps: MfaDeps, userId: string): Promise<boolean> {
  const row = await deps.store.db
    .selectFrom('sign_ins')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('user_id', '=', userId)
    .where('protocol', '=', 'web')
    .where('result', '=', 'failure')
    .where('credential', 'in', SECOND_FACTORS)
    .where('at', '>=', deps.clock.nowMs() - SECOND_FACTOR_WINDOW_MS)
    .executeTakeFirst();
  return Number(row?.n ?? 0) >= SECOND_FACTOR_MAX_FAILURES;
}
