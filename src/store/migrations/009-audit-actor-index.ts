import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.js';

/**
 * The audit log's actor index keeps only the records someone did to a mailbox that is not their own
 * (an admin, a delegate, the system). Most records are an owner acting on their own mailbox (every
 * Dovecot event, every sign-in and sent message): for those, actor = mailbox and the mailbox index
 * already finds them. Measured with bench/audit/ingest.bench.ts: each ingest transaction dirtied one
 * leaf page of this index per active mailbox, the same pages as the mailbox index, and the write-ahead
 * log traffic of those pages was the ingest's limit. A search by actor reads both indexes
 * (search-records.ts).
 */
export function auditActorIndexMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql.raw('DROP INDEX IF EXISTS audit_log_actor_time').execute(db);
      // SQLite appends the rowid (= id) to every index entry; PostgreSQL needs the id spelled out.
      const columns = dialect === 'sqlite' ? 'actor, time' : 'actor, time, id';
      const notOwn = dialect === 'sqlite' ? 'actor IS NOT mailbox' : 'actor IS DISTINCT FROM mailbox';
      await sql
        .raw(`CREATE INDEX audit_log_actor_time ON audit_log (${columns}) WHERE ${notOwn}`)
        .execute(db);
    },
  };
}
