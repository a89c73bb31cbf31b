import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../store.js';

/**
 * The full mailbox audit log: on SQLite the table is rebuilt with `id INTEGER PRIMARY KEY` (the rowid
 * itself, so inserts need no second unique index and every index ends in the id for free); search
 * indexes for the filters an investigation uses; signed retention checkpoints; per-mailbox settings.
 */
export function mailboxAuditMigration(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_checkpoint')
        .addColumn('through_id', 'bigint', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('through_hash', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('mailbox_audit_settings')
        .addColumn('mailbox', 'text', (c) => c.primaryKey())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('changed_at', 'bigint', (c) => c.notNull())
        .addColumn('changed_by', 'text', (c) => c.notNull())
        .execute();

      // Item activity waiting to become one grouped record (reads per 2-minute window, the messages a
      // MOVE or EXPUNGE removed until the command's own event arrives): durable, so that what the
      // Dovecot endpoint acknowledged survives a restart.
      await db.schema
        .createTable('audit_item_windows')
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('folder', 'text', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('mailbox', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('logon_type', 'text', (c) => c.notNull())
        .addColumn('client_ip', 'text')
        .addColumn('protocol', 'text')
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('last_at', 'bigint', (c) => c.notNull())
        .addColumn('close_after', 'bigint')
        .addColumn('item_ids', 'text', (c) => c.notNull())
        .addColumn('item_count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('audit_item_windows_key', ['session_id', 'folder', 'operation'])
        .execute();
      await db.schema
        .createIndex('audit_item_windows_opened')
        .on('audit_item_windows')
        .column('opened_at')
        .execute();

      if (dialect === 'sqlite') await rebuildSqliteAuditLog(db);
      else await reindexPostgresAuditLog(db);
      await createGuards(db, dialect);
    },
  };
}

const AUDIT_COLUMNS = `time, operation, result, mailbox, actor, logon_type, client_ip, protocol, client_info,
  session_id, folder, destination_folder, item_ids, message_id, subject, details, prev_hash, hash`;

/** Searched columns, each with the time: one index per filter an investigation starts from. */
const SEARCH_INDEXES = [
  ['audit_log_mailbox_time', 'mailbox'],
  ['audit_log_operation_time', 'operation'],
  ['audit_log_actor_time', 'actor'],
  ['audit_log_client_ip_time', 'client_ip'],
] as const;

async function rebuildSqliteAuditLog(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `CREATE TABLE audit_log_rowid (
         id INTEGER PRIMARY KEY, time INTEGER NOT NULL, operation TEXT NOT NULL, result TEXT NOT NULL,
         mailbox TEXT, actor TEXT NOT NULL, logon_type TEXT NOT NULL, client_ip TEXT, protocol TEXT,
         client_info TEXT, session_id TEXT, folder TEXT, destination_folder TEXT, item_ids TEXT,
         message_id TEXT, subject TEXT, details TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)`,
    )
    .execute(db);
  await sql
    .raw(`INSERT INTO audit_log_rowid (id, ${AUDIT_COLUMNS}) SELECT id, ${AUDIT_COLUMNS} FROM audit_log`)
    .execute(db);
  // Dropping the table drops its triggers and indexes; createGuards puts the triggers back.
  await sql.raw('DROP TABLE audit_log').execute(db);
  await sql.raw('ALTER TABLE audit_log_rowid RENAME TO audit_log').execute(db);
  // In SQLite every index entry ends in the rowid: (mailbox, time) is (mailbox, time, id), which
  // serves "newest first" (ORDER BY time DESC, id DESC) without sorting.
  for (const [name, column] of SEARCH_INDEXES)
    await sql.raw(`CREATE INDEX ${name} ON audit_log (${column}, time)`).execute(db);
  await sql.raw('CREATE INDEX audit_log_time ON audit_log (time)').execute(db);
}

async function reindexPostgresAuditLog(db: Kysely<unknown>): Promise<void> {
  for (const name of ['audit_log_mailbox_time', 'audit_log_operation_time', 'audit_log_time'])
    await sql.raw(`DROP INDEX IF EXISTS ${name}`).execute(db);
  // The id is spelled out (PostgreSQL has no rowid) so that an index scan yields newest first unsorted.
  for (const [name, column] of SEARCH_INDEXES)
    await sql.raw(`CREATE INDEX ${name} ON audit_log (${column}, time, id)`).execute(db);
  await sql.raw('CREATE INDEX audit_log_time ON audit_log (time, id)').execute(db);
}

/**
 * Security invariant: audit records and checkpoints are never changed, and an audit record can be
 * removed only once a signed checkpoint covers it (retention). Anything else needs the guard dropped
 * first, and `mailwarden audit verify` then finds the break.
 */
async function createGuards(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql
      .raw(
        `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
         WHEN OLD.id > (SELECT coalesce(max(through_id), 0) FROM audit_checkpoint)
         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
      )
      .execute(db);
    for (const event of ['UPDATE', 'DELETE'] as const)
      await sql
        .raw(
          `CREATE TRIGGER audit_checkpoint_no_${event.toLowerCase()} BEFORE ${event} ON audit_checkpoint
           BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only'); END`,
        )
        .execute(db);
    return;
  }
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' THEN
           IF OLD.id <= (SELECT coalesce(max(through_id), 0) FROM audit_checkpoint) THEN
             RETURN OLD;
           END IF;
         END IF;
         RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
       END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER audit_checkpoint_no_change BEFORE UPDATE OR DELETE ON audit_checkpoint
       FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`,
    )
    .execute(db);
}
