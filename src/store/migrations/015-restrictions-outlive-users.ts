import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.js';

/**
 * A restriction is evidence (sample subjects, recipient domains, source IPs of the sending that
 * tripped a limit): it must outlive the user it restricted, so deleting a user cannot be blocked by
 * it nor take it away. restrictions.user_id loses its foreign key to users; nothing else changes.
 * The RestrictSender audit record names the mailbox and the restriction's id.
 */
export function restrictionsOutliveUsersMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'postgres') {
        await sql
          .raw(
            `DO $$ DECLARE fk text; BEGIN
               FOR fk IN SELECT conname FROM pg_constraint
                 WHERE conrelid = 'restrictions'::regclass AND contype = 'f' LOOP
                 EXECUTE format('ALTER TABLE restrictions DROP CONSTRAINT %I', fk);
               END LOOP;
             END $$`,
          )
          .execute(db);
        return;
      }
      // SQLite cannot drop a constraint: the table is rebuilt (https://www.sqlite.org/lang_altertable.html#otheralter),
      // in one transaction so that a crash leaves the old table or the new one, never neither.
      // Nothing references restrictions, so dropping it with foreign_keys on checks nothing.
      await db.transaction().execute(async (trx) => {
        await trx.schema
          .createTable('restrictions_new')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('policy_name', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('since', 'bigint', (c) => c.notNull())
          .addColumn('until', 'bigint')
          .addColumn('evidence', 'text', (c) => c.notNull())
          .addColumn('released_at', 'bigint')
          .addColumn('released_by', 'text')
          .addColumn('release_reason', 'text')
          .addColumn('release_forced', 'integer')
          .execute();
        await sql
          .raw(
            `INSERT INTO restrictions_new (id, user_id, reason, policy_name, action, since, until, evidence,
               released_at, released_by, release_reason, release_forced)
             SELECT id, user_id, reason, policy_name, action, since, until, evidence,
               released_at, released_by, release_reason, release_forced FROM restrictions`,
          )
          .execute(trx);
        await trx.schema.dropTable('restrictions').execute();
        await trx.schema.alterTable('restrictions_new').renameTo('restrictions').execute();
        await trx.schema
          .createIndex('restrictions_user')
          .on('restrictions')
          .columns(['user_id', 'since'])
          .execute();
      });
    },
  };
}
