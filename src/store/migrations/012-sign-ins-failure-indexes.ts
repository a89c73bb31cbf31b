import { type Kysely, sql } from 'kysely';

/**
 * The brute-force and password-spray checks read recent failures only (per typed login, per client
 * address): their indexes hold failures only, so a successful sign-in, nearly every one, writes
 * two B-trees fewer on the submission path (bench/gateway-throughput/README.md). The
 * queries name `result = 'failure'` as a literal so that both databases can use the partial index.
 */
export function signInsFailureIndexesMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql.raw('DROP INDEX IF EXISTS sign_ins_login_result_at').execute(db);
      await sql.raw('DROP INDEX IF EXISTS sign_ins_ip_result_at').execute(db);
      await sql
        .raw("CREATE INDEX sign_ins_login_failures ON sign_ins (login, at) WHERE result = 'failure'")
        .execute(db);
      await sql
        .raw("CREATE INDEX sign_ins_ip_failures ON sign_ins (client_ip, at) WHERE result = 'failure'")
        .execute(db);
    },
  };
}
