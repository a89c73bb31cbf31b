import { type Kysely, sql } from 'kysely';

/**
 * users.last_sign_in_at: the latest successful sign-in, kept by the sign-in pipeline (at most hourly),
 * so that "inactive for 90 days" (Secure Score) does not depend on how long the sign-in log is kept.
 * Filled from the sign-in log where it still has entries; exact from the first start after this
 * (identity/last-sign-in.ts records when that was).
 */
export function usersLastSignInMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('last_sign_in_at', 'bigint').execute();
      await sql`UPDATE users SET last_sign_in_at = (
        SELECT max(sign_ins.at) FROM sign_ins
        WHERE sign_ins.user_id = users.id AND sign_ins.result = 'success')`.execute(db);
    },
  };
}
