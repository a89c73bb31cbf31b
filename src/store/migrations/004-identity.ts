import { type Kysely, sql } from 'kysely';

/**
 * Identity: org settings, MFA (TOTP, recovery codes, passkeys), web sessions, app
 * passwords, the sign-in log and smart lockout. Secrets are stored hashed (codes, app passwords,
 * session tokens) or encrypted with the secret box (TOTP seeds).
 */
export function identityMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Org-wide settings an administrator changes at run time (src/settings): key → JSON value.
      await db.schema
        .createTable('org_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();

      // disabled: no MFA; enabled: the user registered a method; enforced: an admin requires it.
      await db.schema
        .alterTable('users')
        .addColumn('mfa_state', 'text', (c) => c.notNull().defaultTo('disabled'))
        .execute();
      // Set by an admin reset: the temporary password works only to sign in on the web and change it.
      await db.schema
        .alterTable('users')
        .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Bumped by "sign out everywhere", a password reset and a disable: sessions older than it end.
      await db.schema
        .alterTable('users')
        .addColumn('sessions_valid_after', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();

      // The admin an API token acts for (null: a service token): it honours that admin's MFA rules.
      await db.schema.alterTable('api_tokens').addColumn('owner_user_id', 'text').execute();

      await db.schema
        .createTable('totp_credentials')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
        .addColumn('secret_encrypted', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // Null until the user proved the authenticator works with a first code.
        .addColumn('confirmed_at', 'bigint')
        // The newest accepted time step: a code is accepted at most once (replay protection).
        .addColumn('last_used_step', 'bigint')
        .execute();

      await db.schema
        .createTable('recovery_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();

      await db.schema
        .createTable('passkeys')
        // The WebAuthn credential id, base64url.
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('sign_count', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();

      await db.schema
        .createTable('web_sessions')
        // sha256 of the cookie's token: a database read does not give a usable session.
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        // 'password' until the second factor is given (or none is needed), then 'complete'.
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('client_ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('web_sessions_user').on('web_sessions').column('user_id').execute();

      await db.schema
        .createTable('app_passwords')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        // JSON array of protocols: smtp, imap, pop3, sieve.
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('last_used_ip', 'text')
        .addColumn('last_used_protocol', 'text')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('app_passwords_user').on('app_passwords').column('user_id').execute();
      // One live app password per name and user; revoked ones keep their name for the record.
      await sql`CREATE UNIQUE INDEX app_passwords_live_name ON app_passwords (user_id, name) WHERE revoked_at IS NULL`.execute(
        db,
      );

      await db.schema
        .createTable('sign_ins')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text')
        // What was typed, lower-cased: failures against unknown names are logged too (spray detection).
        .addColumn('login', 'text', (c) => c.notNull())
        // web, smtp, imap, pop3, sieve, api
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('client_ip', 'text')
        .addColumn('country', 'text')
        .addColumn('city', 'text')
        .addColumn('latitude', 'double precision')
        .addColumn('longitude', 'double precision')
        .addColumn('client', 'text')
        // success | failure
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        // password, app-password:<name>, totp, passkey, recovery-code
        .addColumn('credential', 'text')
        // none | low | medium | high
        .addColumn('risk_level', 'text', (c) => c.notNull())
        // JSON array of detection names.
        .addColumn('risk_reasons', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sign_ins_user_at').on('sign_ins').columns(['user_id', 'at']).execute();
      await db.schema.createIndex('sign_ins_at').on('sign_ins').column('at').execute();
      await db.schema.createIndex('sign_ins_ip_at').on('sign_ins').columns(['client_ip', 'at']).execute();

      // Smart lockout, per account and source network.
      await db.schema
        .createTable('lockouts')
        .addColumn('login', 'text', (c) => c.notNull())
        // The client's network: IPv4 /24 or IPv6 /64.
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        // JSON array of short hashes of the recent wrong passwords: the same one retried counts once.
        .addColumn('recent_failures', 'text', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        // How many times this source was locked out: each lock doubles the next one.
        .addColumn('lock_count', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lockouts_pk', ['login', 'source'])
        .execute();
    },
  };
}
