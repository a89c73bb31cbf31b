import { type Kysely, sql } from 'kysely';

/**
 * The sign-ins-by-country chart (/account/sign-ins, the admin's user page) groups an account's last
 * 30 days by country and result. On (user_id, at) every row of the range is read from the table: 161 ms
 * on SQLite for 37,000 sign-ins. The index is widened to (user_id, at, country, result) so the query
 * reads the index alone (64 ms; PostgreSQL 25 → 18 ms), and replaces the old one rather than joining
 * it: every sign-in still writes the same number of B-trees, the entries a few bytes wider (no
 * difference in the insert cost beyond the noise: bench/signin-country/README.md). The user's sign-in
 * list and last-sign-in reads use its (user_id, at) prefix as before.
 */
export function signInsUserCountryMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('sign_ins_user_at_country')
        .on('sign_ins')
        .columns(['user_id', 'at', 'country', 'result'])
        .execute();
      await sql.raw('DROP INDEX IF EXISTS sign_ins_user_at').execute(db);
    },
  };
}
