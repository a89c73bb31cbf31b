import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { AuditLogTable } from './schema.js';
import type { Executor } from './store.js';

/** The newest record of the hash chain: what the next record links to. */
export interface AuditHead {
  id: number;
  hash: string;
}

/**
 * The audit log's write path, per dialect: it is the hottest writer (every submission and every
 * Dovecot event), so it skips the query builder. Both methods run inside a writeTransaction.
 */
export interface AuditRowWriter {
  /** The chain head as the current write transaction sees it (null: the log is empty). */
  head(trx: Executor): Promise<AuditHead | null>;
  insert(trx: Executor, rows: readonly AuditLogTable[]): Promise<void>;
  /**
   * Writes the search keys of the records after the last keyed one up to `throughId`, but of
   * `atMost` records, once at least `minimumPending` are waiting (default SEARCH_KEYS_EVERY), in the
   * caller's write transaction. Returns how many records got their keys.
   */
  indexSearchKeys(
    trx: Executor,
    throughId: number,
    minimumPending?: number,
    atMost?: number,
  ): Promise<number>;
}

/**
 * Records whose search keys are written together (migration 013). Until then a search finds them by
 * id: every search that uses a key also reads the records after the last keyed one, at most about
 * this many plus one transaction's (about 17 ms for 50,000; bench/audit/search.bench.ts). The
 * server's quiet-time timer keys them sooner when the log is quiet (audit.writeSearchKeys).
 */
export const SEARCH_KEYS_EVERY = 50_000;

/** A search key is its column's prefix and the value as stored. */
export const SEARCH_KEY_PREFIX = { mailbox: 'm:', clientIp: 'i:' } as const;

/** What the bulk key step reads and writes, per dialect (inside the caller's write transaction). */
interface SearchKeyStore {
  /** The last keyed id; undefined without the state row (removed by hand). */
  keyedThrough(trx: Executor): Promise<number | undefined>;
  /** Writes the keys of the records with from < id <= to and moves the state to `to`. */
  writeKeys(trx: Executor, from: number, to: number): Promise<void>;
}

/**
 * AuditRowWriter.indexSearchKeys over one dialect's reads and writes. It remembers the last keyed id
 * it read: only ever behind the database's (another connection may have moved it on since), so a
 * transaction reads the state only when enough records may be waiting. Without the state row keys
 * are not written: searches read every record by id, slowly but completely, and appending goes on.
 */
function bulkKeyStep(keys: SearchKeyStore): AuditRowWriter['indexSearchKeys'] {
  let keyedThroughSeen = 0;
  return async (trx, throughId, minimumPending = SEARCH_KEYS_EVERY, atMost = Number.POSITIVE_INFINITY) => {
    if (throughId - keyedThroughSeen < minimumPending) return 0;
    const from = await keys.keyedThrough(trx);
    if (from === undefined) return 0;
    keyedThroughSeen = from;
    if (throughId <= from || throughId - from < minimumPending) return 0;
    const to = Math.min(throughId, from + atMost);
    await keys.writeKeys(trx, from, to);
    return to - from;
  };
}

/**
 * The keys of the records with from < id <= to, sorted by key so that each key's new entries land
 * together on the pages where that key's entries end. Two parameters, from and to, in that order.
 */
const searchKeysInsert = (from: string, to: string) =>
  `INSERT INTO audit_search_keys (search_key, key_time, record_id)
     SELECT '${SEARCH_KEY_PREFIX.mailbox}' || mailbox, time, id FROM audit_log
       WHERE id > ${from} AND id <= ${to} AND mailbox IS NOT NULL
     UNION ALL
     SELECT '${SEARCH_KEY_PREFIX.clientIp}' || client_ip, time, id FROM audit_log
       WHERE id > ${from} AND id <= ${to} AND client_ip IS NOT NULL
     ORDER BY 1, 2, 3`;

/** Which of a record's search keys: its mailbox's or its client IP's. */
export type SearchKeyKind = keyof typeof SEARCH_KEY_PREFIX;

/**
 * The first record with after < id <= through that lacks one of its search keys (and which), or
 * undefined: the check `audit verify` makes of the keys, one primary-key lookup per key. The same
 * key spelling as searchKeysInsert; portable SQL, so one query serves both dialects.
 */
export async function firstRecordMissingKey(
  db: Executor,
  after: number,
  through: number,
): Promise<{ id: number; kind: SearchKeyKind } | undefined> {
  const missing = (kind: SearchKeyKind, column: 'mailbox' | 'client_ip') => sql`
    SELECT a.id AS id, ${sql.lit(kind)} AS kind FROM audit_log a
      WHERE a.id > ${after} AND a.id <= ${through} AND a.${sql.raw(column)} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM audit_search_keys k
          WHERE k.search_key = CAST(${SEARCH_KEY_PREFIX[kind]} AS text) || a.${sql.raw(column)}
            AND k.key_time = a.time AND k.record_id = a.id)`;
  const result = await sql<{ id: number | string; kind: SearchKeyKind }>`
    SELECT id, kind FROM (${missing('mailbox', 'mailbox')} UNION ALL ${missing('clientIp', 'client_ip')}) m
      ORDER BY id LIMIT 1`.execute(db);
  const row = result.rows[0];
  return row ? { id: Number(row.id), kind: row.kind } : undefined;
}

/** Hooks a SQLite store calls around each write transaction. */
export interface SqliteTransactionHooks {
  committed(): void;
  rolledBack(): void;
}

/** Every column of audit_log, in the order the fast write path inserts them. */
export const AUDIT_LOG_COLUMNS = [
  'id',
  'time',
  'operation',
  'result',
  'mailbox',
  'actor',
  'logon_type',
  'client_ip',
  'protocol',
  'client_info',
  'session_id',
  'folder',
  'destination_folder',
  'item_ids',
  'message_id',
  'subject',
  'details',
  'prev_hash',
  'hash',
] as const satisfies ReadonlyArray<keyof AuditLogTable>;

/**
 * SQLite: one process-wide connection writes, so the head is kept in memory. It is trusted only while
 * `PRAGMA data_version` is unchanged (no other connection, such as the CLI, committed since) and no
 * transaction rolled back since it was set; otherwise it is read again, inside the write lock.
 * Rows go in through one prepared statement on the same connection (better-sqlite3 is synchronous,
 * and the caller holds the connection's mutex through writeTransaction).
 */
export function createSqliteAuditRowWriter(
  database: SqliteDatabase.Database,
): AuditRowWriter & SqliteTransactionHooks {
  let prepared: {
    insert: SqliteDatabase.Statement;
    head: SqliteDatabase.Statement;
    dataVersion: SqliteDatabase.Statement;
    keysThrough: SqliteDatabase.Statement;
    insertKeys: SqliteDatabase.Statement;
    setKeysThrough: SqliteDatabase.Statement;
  } | null = null;
  const statements = () => {
    // Prepared on first use: the table is only there once migrations ran.
    prepared ??= {
      insert: database.prepare(
        `INSERT INTO audit_log (${AUDIT_LOG_COLUMNS.join(', ')}) VALUES (${AUDIT_LOG_COLUMNS.map(() => '?').join(', ')})`,
      ),
      head: database.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1'),
      dataVersion: database.prepare('PRAGMA data_version').pluck(),
      keysThrough: database.prepare('SELECT through_id FROM audit_search_state').pluck(),
      insertKeys: database.prepare(searchKeysInsert('@from', '@to')),
      setKeysThrough: database.prepare('UPDATE audit_search_state SET through_id = ?'),
    };
    return prepared;
  };
  let cached: (AuditHead & { dataVersion: number }) | null = null;
  let pending: AuditHead | null = null;
  let pendingVersion = 0;
  return {
    async head() {
      const { head, dataVersion } = statements();
      const version = dataVersion.get() as number;
      // The transaction holds the write lock: no other connection can commit (and so change the
      // version) before insert(), which is always called after head() (append-records.ts).
      pendingVersion = version;
      if (pending) return pending;
      if (cached && cached.dataVersion === version) return { id: cached.id, hash: cached.hash };
      const row = head.get() as AuditHead | undefined;
      cached = row ? { ...row, dataVersion: version } : null;
      return row ?? null;
    },
    async insert(_trx, rows) {
      const { insert } = statements();
      for (const row of rows)
        insert.run(
          row.id,
          row.time,
          row.operation,
          row.result,
          row.mailbox,
          row.actor,
          row.logon_type,
          row.client_ip,
          row.protocol,
          row.client_info,
          row.session_id,
          row.folder,
          row.destination_folder,
          row.item_ids,
          row.message_id,
          row.subject,
          row.details,
          row.prev_hash,
          row.hash,
        );
      const last = rows[rows.length - 1];
      if (last) pending = { id: last.id, hash: last.hash };
    },
    indexSearchKeys: bulkKeyStep({
      keyedThrough: async () => statements().keysThrough.get() as number | undefined,
      async writeKeys(_trx, from, to) {
        const { insertKeys, setKeysThrough } = statements();
        insertKeys.run({ from, to });
        setKeysThrough.run(to);
      },
    }),
    committed() {
      if (pending) cached = { ...pending, dataVersion: pendingVersion };
      pending = null;
    },
    rolledBack() {
      pending = null;
      cached = null;
    },
  };
}

/** Rows per statement: the arrays are parameters, so the statement text (and its plan) never changes. */
const POSTGRES_ROWS_PER_INSERT = 5000;

/**
 * PostgreSQL: several instances may write, so the head is read inside the chain lock every time (an
 * index-only lookup of the last id). Rows go in as one INSERT … SELECT FROM unnest(arrays), one
 * array parameter per column whatever the number of rows.
 */
export function createPostgresAuditRowWriter(): AuditRowWriter {
  return {
    async head(trx) {
      const result = await sql<AuditHead>`select id, hash from audit_log order by id desc limit 1`.execute(
        trx,
      );
      return result.rows[0] ?? null;
    },
    async insert(trx, rows) {
      for (let start = 0; start < rows.length; start += POSTGRES_ROWS_PER_INSERT) {
        const chunk = rows.slice(start, start + POSTGRES_ROWS_PER_INSERT);
        const column = <K extends keyof AuditLogTable>(name: K) => chunk.map((row) => row[name]);
        await sql`insert into audit_log (${sql.raw(AUDIT_LOG_COLUMNS.join(', '))})
          select * from unnest(
            ${column('id')}::bigint[], ${column('time')}::bigint[], ${column('operation')}::text[],
            ${column('result')}::text[], ${column('mailbox')}::text[], ${column('actor')}::text[],
            ${column('logon_type')}::text[], ${column('client_ip')}::text[], ${column('protocol')}::text[],
            ${column('client_info')}::text[], ${column('session_id')}::text[], ${column('folder')}::text[],
            ${column('destination_folder')}::text[], ${column('item_ids')}::text[],
            ${column('message_id')}::text[], ${column('subject')}::text[], ${column('details')}::text[],
            ${column('prev_hash')}::text[], ${column('hash')}::text[])`.execute(trx);
      }
    },
    // Inside the chain lock: one writer at a time, whichever instance.
    indexSearchKeys: bulkKeyStep({
      async keyedThrough(trx) {
        const state = await sql<{ through_id: number }>`select through_id from audit_search_state`.execute(
          trx,
        );
        const row = state.rows[0];
        return row ? Number(row.through_id) : undefined;
      },
      async writeKeys(trx, from, to) {
        await sql.raw(searchKeysInsert(String(from), String(to))).execute(trx);
        await sql`update audit_search_state set through_id = ${to}`.execute(trx);
      },
    }),
  };
}
