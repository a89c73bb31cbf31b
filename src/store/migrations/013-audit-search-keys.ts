import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.js';

/**
 * The audit log's mailbox and client-IP indexes become search keys written in bulk
 * (audit_search_keys, filled by audit-rows.ts every SEARCH_KEYS_EVERY records). A B-tree index on a
 * column with many live values costs one rewritten page per value per transaction: a burst from
 * 1,000 mailboxes and 250 addresses rewrote about 1,250 index pages per 5,000 records, 3.6 KB written
 * to disk per record, and halved the ingest rate (bench/audit/README.md). Written for
 * 50,000 records at once, sorted by key, the same pages take ten times as many entries each.
 * Existing records get their keys here, sorted first so that each page is written once.
 */
export function auditSearchKeysMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const id = dialect === 'sqlite' ? 'integer' : 'bigint';
      // SQLite: WITHOUT ROWID, so the key is the table and an entry is stored once.
      await sql
        .raw(
          `CREATE TABLE audit_search_keys (
             search_key text NOT NULL, key_time ${id} NOT NULL, record_id ${id} NOT NULL,
             PRIMARY KEY (search_key, key_time, record_id))${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
        )
        .execute(db);
      await sql
        .raw(
          `CREATE TABLE audit_search_state (
             id integer PRIMARY KEY CHECK (id = 1), through_id ${id} NOT NULL)`,
        )
        .execute(db);
      await sql.raw('DROP INDEX IF EXISTS audit_log_mailbox_time').execute(db);
      await sql.raw('DROP INDEX IF EXISTS audit_log_client_ip_time').execute(db);
      await sql
        .raw(
          `INSERT INTO audit_search_keys (search_key, key_time, record_id)
             SELECT 'm:' || mailbox, time, id FROM audit_log WHERE mailbox IS NOT NULL
             UNION ALL
             SELECT 'i:' || client_ip, time, id FROM audit_log WHERE client_ip IS NOT NULL
             ORDER BY 1, 2, 3`,
        )
        .execute(db);
      await sql
        .raw('INSERT INTO audit_search_state (id, through_id) SELECT 1, coalesce(max(id), 0) FROM audit_log')
        .execute(db);
    },
  };
}
