import type { Kysely } from 'kysely';

/**
 * Accounts brought over from an existing mail server (`mailwarden import`):
 * - users.imported_from: the source they came from ("dovecot-passwd:/etc/dovecot/users",
 *   "sql:mailcow", "csv:users.csv"); null for accounts made in Mailwarden.
 * - users.imported_hash: the password hash as the source last had it, in Dovecot's `{SCHEME}hash`
 *   form, so a sync can tell a password changed at the source from one changed here.
 * - users.imported_at: when the import or sync last wrote this account.
 * - users.mail_account_password: 1 while the account's mail clients may keep using the account
 *   password on IMAP, POP3 and SMTP (an imported account, until an admin moves it to app passwords);
 *   MFA still wins: a user with a second factor never uses the account password on a mail protocol.
 * password_hash itself may hold a legacy `{SCHEME}hash` until the first sign-in rehashes it.
 */
export function importedAccountsMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('imported_from', 'text').execute();
      await db.schema.alterTable('users').addColumn('imported_hash', 'text').execute();
      await db.schema.alterTable('users').addColumn('imported_at', 'bigint').execute();
      await db.schema
        .alterTable('users')
        .addColumn('mail_account_password', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
