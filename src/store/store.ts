import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
// kysely 0.28: the last line that supports Node 20 (0.29 requires Node 22; package.json engines).
import { Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import {
  type AuditRowWriter,
  createPostgresAuditRowWriter,
  createSqliteAuditRowWriter,
} from './audit-rows.js';
import {
  alwaysLeader,
  announcingAfterCommit,
  type ChangeFeed,
  createLocalChangeFeed,
  createPostgresChangeFeed,
  createPostgresLeadership,
  type Leadership,
  neverLeader,
  PG_APPLICATION_NAME,
  runAfterCommit,
  type SiblingChannel,
} from './cluster.js';
import { holdingSqliteConnection } from './held-connection.js';
import { initialMigration } from './migrations/001-initial.js';
import { outboundMigration } from './migrations/002-outbound.js';
import { quarantineNotificationsMigration } from './migrations/003-quarantine-notifications.js';
import { identityMigration } from './migrations/004-identity.js';
import { mailboxAuditMigration } from './migrations/005-mailbox-audit.js';
import { secureScoreMigration } from './migrations/006-secure-score.js';
import { identitySignInMigration } from './migrations/007-identity-signin.js';
import { identityWebMigration } from './migrations/008-identity-web.js';
import { auditActorIndexMigration } from './migrations/009-audit-actor-index.js';
import { signInsUnusedIndexMigration } from './migrations/010-sign-ins-unused-index.js';
import { usersLastSignInMigration } from './migrations/011-users-last-sign-in.js';
import { signInsFailureIndexesMigration } from './migrations/012-sign-ins-failure-indexes.js';
import { auditSearchKeysMigration } from './migrations/013-audit-search-keys.js';
import { auditSearchKeysGuardMigration } from './migrations/014-audit-search-keys-guard.js';
import { restrictionsOutliveUsersMigration } from './migrations/015-restrictions-outlive-users.js';
import { importedAccountsMigration } from './migrations/016-imported-accounts.js';
import { sendReservationsMigration } from './migrations/019-send-reservations.js';
import { usersLocaleMigration } from './migrations/021-users-locale.js';
import { alertsFirstAtMigration } from './migrations/022-alerts-first-at.js';
import { signInsUserCountryMigration } from './migrations/023-sign-ins-user-country.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** A database handle or a transaction on it: store functions take one of these first. */
export type Executor = Kysely<Database>;

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for messages (the password of a URL is never included). */
  location: string;
  /**
   * Runs `work` in a transaction that holds the write lock from its first statement, so that
   * read-then-write sequences (the audit chain head, uniqueness checks) cannot interleave with
   * another writer, in this process or another. SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction
   * that first takes the write advisory lock.
   */
  writeTransaction<T>(work: (trx: Executor) => Promise<T>): Promise<T>;
  /**
   * Runs reads that belong together (a sign-in's account, lockouts and risk history) on one
   * snapshot. SQLite: one read transaction, so the reads take the database's read lock once instead of
   * once each (a lock is a system call, and a sign-in makes several reads). PostgreSQL: the reads run
   * as given, in parallel on the pool. `work` must use the executor it is given, never store.db, and
   * must not wait for anything but its reads: on SQLite the connection is held until it returns.
   */
  readSnapshot<T>(work: (reader: Executor) => Promise<T>): Promise<T>;
  /**
   * SQLite: what a thread of this process opens its own connection to the same database with (no
   * migrations; the two connections take turns at the write lock, see beginImmediate). It can be
   * sent to a worker thread as it is. Null on PostgreSQL, where every connection is the pool's.
   */
  secondConnection: StoreOptions | null;
  /** Serialises audit appends across processes sharing one PostgreSQL; a no-op on SQLite (see above). */
  lockAuditChain(trx: Executor): Promise<void>;
  /** The audit log's fast write path (chain head and row inserts), inside a writeTransaction only. */
  auditRows: AuditRowWriter;
  /** Changes other instances' caches must hear of (cluster.ts): announced in the changing transaction. */
  changes: ChangeFeed;
  /**
   * Runs `run` in this process once the writeTransaction of `executor` commits, never when it rolls
   * back (at once outside one): what counts committed work only, such as the metrics of audit records.
   * `run` must not throw.
   */
  afterCommit(executor: Executor, run: () => void): void;
  /**
   * The other worker processes of this host (cluster.ts), for the little per-process state they must
   * share that is no database change (respond's own Sieve deactivations); null in a single process.
   */
  siblings: SiblingChannel | null;
  /**
   * Starts competing for the one periodic-jobs holder of the cluster (cluster.ts); the server calls
   * it once. Closed with the store.
   */
  lead(): Leadership;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… or null for SQLite in dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  poolSize?: number;
  /**
   * false: the schema is already current (a second connection of this process, opened by a thread
   * after the first connection migrated).
   */
  migrate?: boolean;
  /**
   * SQLite: how many of this process's writers wait for the write lock, shared between its
   * connections (set through Store.secondConnection; see beginImmediate).
   */
  waitingWriters?: Int32Array;
  /**
   * One of several worker processes of this host (`workers` > 1): the others, told of every change
   * (cluster.ts), and whether this one runs the periodic jobs on SQLite (worker 1; on PostgreSQL the
   * advisory lock decides among every worker of every host).
   */
  worker?: { siblings: SiblingChannel; leadsPeriodicJobs: boolean };
}

const AUDIT_CHAIN_LOCK_KEY = 7_201_947_001;
/** How long a writer waits for another writer (another handle or process) before giving up. */
const BUSY_TIMEOUT_MS = 10_000;
/** Page cache of the SQLite connection, in KiB (PRAGMA cache_size takes negative KiB). */
const SQLITE_CACHE_KIB = 64 * 1024;
/** Write-ahead log pages after which a commit checkpoints (SQLite's default is 1,000). */
export const SQLITE_CHECKPOINT_PAGES = 10_000;

/** The SQLite database file of a data folder. */
export const sqliteFile = (dataDir: string) => path.join(dataDir, 'mailwarden.sqlite');

export async function openStore(options: StoreOptions): Promise<Store> {
  const opened = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10)
    : openSqlite(options);
  const store = withCluster(opened, options.databaseUrl, options.worker ?? null);
  if (options.migrate === false) return store;
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(options: StoreOptions): Omit<Store, 'changes' | 'lead' | 'afterCommit' | 'siblings'> {
  // The database holds password and token hashes and the audit log: readable by this account only.
  // SQLite creates the -wal and -shm files with the database file's mode, so creating the (empty)
  // database file 0600 before SQLite opens it covers all three.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = sqliteFile(options.dataDir);
  createPrivateFile(file);
  const database = new SqliteDatabase(file);
  // WAL lets readers (CLI, API) run beside the gateway's writes. synchronous=NORMAL keeps every
  // committed transaction across a process crash; only an OS crash or power loss can drop the last
  // few milliseconds of commits (https://www.sqlite.org/pragma.html#pragma_synchronous).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  // The audit log's indexes and search keys (operation, actor, time; mailbox, client IP) take random inserts: with
  // SQLite's default 2 MiB page cache every insert into a large log rereads index pages. 64 MiB keeps
  // the hot index pages in memory (bench/audit: so the ingest rate holds as the log grows).
  database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  // A checkpoint copies every page the write-ahead log holds into the database file and syncs it. The
  // default (every 1,000 pages, 4 MiB) checkpoints after nearly every large audit transaction, each
  // time rewriting the same hot index pages; every 10,000 pages a page changed by many transactions
  // in a row is copied once (bench/audit/ingest.bench.ts). The log file grows to about 40 MiB.
  database.pragma(`wal_autocheckpoint = ${SQLITE_CHECKPOINT_PAGES}`);
  const cachedStatements = withStatementCache(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachedStatements }) });
  const auditRows = createSqliteAuditRowWriter(database);
  // Transaction control runs on the raw connection (inside Kysely's connection mutex): it is on every
  // write's path, and preparing it once saves two query-builder round trips per transaction.
  const control = {
    begin: database.prepare('BEGIN IMMEDIATE'),
    beginRead: database.prepare('BEGIN DEFERRED'),
    commit: database.prepare('COMMIT'),
    rollback: database.prepare('ROLLBACK'),
  };
  let writerMode = false;
  // A full, read-only or failing disk still answers reads; ping must see that writes fail (below).
  let storageFailure: unknown = null;
  const waitingWriters = options.waitingWriters ?? new Int32Array(new SharedArrayBuffer(4));
  const writeTransaction = <T>(work: (trx: Executor) => Promise<T>): Promise<T> =>
    // Kysely's SQLite driver holds one connection behind a mutex for the whole callback.
    db.connection().execute(async (connection) => {
      if (!writerMode) {
        // From the first write on, waiting for another writer happens in beginImmediate's loop, not in
        // SQLite's busy handler (migrations, before this, keep the handler for concurrent starts).
        // WAL readers never wait for writers, so reads need no busy handler either.
        database.pragma('busy_timeout = 0');
        writerMode = true;
      }
      await beginImmediate(() => control.begin.run(), waitingWriters);
      try {
        const result = await holdingSqliteConnection(connection, cachedStatements, () => work(connection));
        control.commit.run();
        auditRows.committed();
        storageFailure = null;
        return result;
      } catch (error) {
        auditRows.rolledBack();
        if (isStorageFailure(error)) storageFailure = error;
        // SQLite may have rolled back already (some errors end the transaction themselves).
        if (database.inTransaction) control.rollback.run();
        throw error;
      }
    });
  return {
    db,
    dialect: 'sqlite',
    location: file,
    secondConnection: { databaseUrl: null, dataDir: options.dataDir, migrate: false, waitingWriters },
    writeTransaction,
    readSnapshot(work) {
      return db.connection().execute(async (connection) => {
        control.beginRead.run();
        try {
          return await holdingSqliteConnection(connection, cachedStatements, () => work(connection));
        } finally {
          if (database.inTransaction) control.commit.run();
        }
      });
    },
    async lockAuditChain() {},
    auditRows,
    async ping() {
      await sql`select 1`.execute(db);
      // After a write failed for lack of storage, only a write shows that the disk takes them again:
      // rewriting the header's user_version (unused, same value) commits one page to the WAL.
      if (storageFailure !== null)
        await writeTransaction(async () => {
          const version = database.pragma('user_version', { simple: true }) as number;
          database.pragma(`user_version = ${version}`);
        });
    },
    async close() {
      await db.destroy();
    },
  };
}

function openPostgres(
  url: string,
  poolSize: number,
): Omit<Store, 'changes' | 'lead' | 'afterCommit' | 'siblings'> {
  const pool = new pg.Pool({
    connectionString: url,
    fallback_application_name: PG_APPLICATION_NAME,
    max: poolSize,
    // bigint columns hold millisecond times and audit ids, all far below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === 20
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  // The pool listens for errors of idle clients only. A checked-out client (a transaction between
  // two statements) whose server session ends (a restart: 57P01 "terminating connection due to
  // administrator command") emits 'error' with no listener, which would end the process. Its
  // statements fail instead, and the pool drops the broken client when it comes back.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  // pg also takes the password as a query parameter (postgres://user@host/db?password=…).
  for (const name of [...safe.searchParams.keys()])
    if (/password$/i.test(name)) safe.searchParams.delete(name);
  return {
    db,
    dialect: 'postgres',
    location: safe.toString(),
    secondConnection: null,
    // The same lock as the audit chain: every writeTransaction appends audit records anyway, and one
    // lock taken first (advisory locks are re-entrant) keeps uniqueness checks and the chain head whole.
    writeTransaction: (work) =>
      db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`.execute(trx);
        return work(trx);
      }),
    readSnapshot: (work) => work(db),
    async lockAuditChain(trx) {
      await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`.execute(trx);
    },
    auditRows: createPostgresAuditRowWriter(),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Adds the change feed and leadership to a store (see cluster.ts). */
function withCluster(
  base: Omit<Store, 'changes' | 'lead' | 'afterCommit' | 'siblings'>,
  databaseUrl: string | null,
  worker: StoreOptions['worker'] | null,
): Store {
  const siblings = worker?.siblings ?? null;
  const changes = databaseUrl
    ? createPostgresChangeFeed(databaseUrl, { siblings })
    : createLocalChangeFeed(siblings);
  let leadership: Leadership | null = null;
  return {
    ...base,
    writeTransaction: announcingAfterCommit(changes, base.writeTransaction),
    changes,
    afterCommit: (executor, run) => runAfterCommit(changes, executor, run),
    siblings,
    lead() {
      leadership ??= databaseUrl
        ? createPostgresLeadership(databaseUrl)
        : !worker || worker.leadsPeriodicJobs
          ? alwaysLeader()
          : neverLeader();
      return leadership;
    },
    async close() {
      await leadership?.close();
      await changes.close();
      await base.close();
    },
  };
}

/** Creates an empty file 0600 unless it exists (an existing one keeps its mode: start-up warns). */
function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** SQLite errors that mean the disk does not take writes (full, read-only, failing), not a bad statement. */
function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN)/.test(code);
}

/**
 * BEGIN IMMEDIATE, waiting for another writer between tries instead of in SQLite's busy handler:
 * better-sqlite3 is synchronous, so the busy handler would stall this process's event loop, and
 * deadlock outright when the lock is held by another handle in this same process.
 *
 * Connections of one process (the main thread's and the ingest thread's) also take turns: a writer
 * that found the lock taken counts itself in `waiting` (shared memory), and a writer about to begin
 * lets such a waiter go first. Without this, a thread that commits transactions back to back wins
 * nearly every race for the lock against a writer that polls, and a submission's Send record could
 * wait behind a whole Dovecot backlog instead of one transaction.
 */
async function beginImmediate(begin: () => void, waiting: Int32Array): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  let counted = false;
  try {
    for (let delayMs = 1; ; delayMs = Math.min(delayMs * 2, 20)) {
      // Only a writer that has not waited yet defers; those that have always try, so two waiting
      // writers never defer to each other.
      if (counted || Atomics.load(waiting, 0) === 0 || Date.now() >= deadline) {
        try {
          begin();
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
        }
        if (!counted) {
          Atomics.add(waiting, 0, 1);
          counted = true;
        }
      } else delayMs = 1; // the waiter is about to begin: look again soon
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  } finally {
    if (counted) Atomics.sub(waiting, 0, 1);
  }
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running the small
 * indexed queries of the hot path. Statements are reused by SQL text (Kysely runs one query at a
 * time per connection, and never iterates a cached statement, so reuse is safe). Bounded: queries
 * with variable IN lists make new texts.
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDatabase.Database {
  const statements = new Map<string, SqliteDatabase.Statement>();
  const cached = Object.create(database) as SqliteDatabase.Database;
  cached.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      if (statements.size >= 500) statements.clear();
      statement = database.prepare(source);
      statements.set(source, statement);
    }
    return statement;
  }) as SqliteDatabase.Database['prepare'];
  cached.close = () => database.close();
  return cached;
}

async function migrate(store: Store): Promise<void> {
  const migrations: Record<string, Migration> = {
    '001-initial': initialMigration(store.dialect),
    '002-outbound': outboundMigration(),
    '003-quarantine-notifications': quarantineNotificationsMigration(store.dialect),
    '004-identity': identityMigration(),
    '005-mailbox-audit': mailboxAuditMigration(store.dialect),
    '006-secure-score': secureScoreMigration(),
    '007-identity-signin': identitySignInMigration(),
    '008-identity-web': identityWebMigration(),
    '009-audit-actor-index': auditActorIndexMigration(store.dialect),
    '010-sign-ins-unused-index': signInsUnusedIndexMigration(),
    '011-users-last-sign-in': usersLastSignInMigration(),
    '012-sign-ins-failure-indexes': signInsFailureIndexesMigration(),
    '013-audit-search-keys': auditSearchKeysMigration(store.dialect),
    '014-audit-search-keys-guard': auditSearchKeysGuardMigration(store.dialect),
    '015-restrictions-outlive-users': restrictionsOutliveUsersMigration(store.dialect),
    '016-imported-accounts': importedAccountsMigration(),
    '019-send-reservations': sendReservationsMigration(),
    '021-users-locale': usersLocaleMigration(),
    '022-alerts-first-at': alertsFirstAtMigration(),
    '023-sign-ins-user-country': signInsUserCountryMigration(),
  };
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    // Numbers were handed out to work built in parallel: a database that already ran 006-008 must
    // still take 005 (independent tables) instead of refusing to start.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`);
  }
}
