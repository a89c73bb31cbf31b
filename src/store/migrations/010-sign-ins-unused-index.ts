import { type Kysely, sql } from 'kysely';

/**
 * sign_ins (client_ip, at) served no query: the password-spray check reads (client_ip, result, at)
 * (migration 007) and the sign-in list filters by user or login. Every index is one more page to
 * write with each sign-in's commit, on the submission path.
 */
export function signInsUnusedIndexMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql.raw('DROP INDEX IF EXISTS sign_ins_ip_at').execute(db);
    },
  };
}
