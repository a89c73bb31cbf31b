import type { Kysely } from 'kysely';

/**
 * users.locale: the language a user chose on /account for the pages (en, nl). Null, the default,
 * follows the browser's Accept-Language and then the organization's `locale` setting.
 */
export function usersLocaleMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('locale', 'text').execute();
    },
  };
}
