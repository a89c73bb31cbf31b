import type { Kysely } from 'kysely';

/**
 * Second factors on the web: WebAuthn challenges kept server-side on the session they were issued
 * to (single use, short-lived), how a session was completed, and when a user's MFA registration grace
 * period (re)started.
 */
export function identityWebMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('web_sessions').addColumn('challenge', 'text').execute();
      // 'passkey-registration' | 'passkey-authentication'
      await db.schema.alterTable('web_sessions').addColumn('challenge_purpose', 'text').execute();
      await db.schema.alterTable('web_sessions').addColumn('challenge_expires_at', 'bigint').execute();
      // password, totp, passkey, recovery-code: what completed the session (null while it is not).
      await db.schema.alterTable('web_sessions').addColumn('second_factor', 'text').execute();
      // Set by an admin's `user mfa reset|enforce`: the registration grace period counts from here.
      await db.schema.alterTable('users').addColumn('mfa_grace_from', 'bigint').execute();
    },
  };
}
