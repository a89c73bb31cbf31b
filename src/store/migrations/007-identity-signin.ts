import { type Kysely, sql } from 'kysely';

/**
 * Sign-in: app passwords are found by the hash of the secret (one indexed
 * read per mail login), the networks a user signed in from successfully (smart lockout keeps them
 * open, risk detection compares against them), and an index for failures per typed login.
 */
export function identitySignInMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`CREATE UNIQUE INDEX app_passwords_secret_hash ON app_passwords (secret_hash)`.execute(db);
      // Risk detection counts recent failures per typed login (brute force) and per client (spray).
      await db.schema
        .createIndex('sign_ins_login_result_at')
        .on('sign_ins')
        .columns(['login', 'result', 'at'])
        .execute();
      await db.schema
        .createIndex('sign_ins_ip_result_at')
        .on('sign_ins')
        .columns(['client_ip', 'result', 'at'])
        .execute();
      // The lockout's 20-bit tag of a wrong password: brute-force detection counts distinct ones.
      await db.schema.alterTable('sign_ins').addColumn('failure_tag', 'text').execute();
      await db.schema
        .createTable('familiar_networks')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        // IPv4 /24 or IPv6 /64, as in lockouts.source.
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('country', 'text')
        .addColumn('first_at', 'bigint', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('familiar_networks_pk', ['user_id', 'network'])
        .execute();
    },
  };
}
