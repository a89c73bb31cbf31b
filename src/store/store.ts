import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import pg from 'pg';
import { initialMigration } from './migrations/001-initial.js';
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
   * another writer. SQLite: BEGIN IMMEDIATE; PostgreSQL: an ordinary transaction plus the
   * advisory locks the work takes (see lockAuditChain).
   */
  writeTransaction<T>(work: (trx: Executor) => Promise<T>): Promise<T>;
  /** Serialises audit appends across processes sharing one PostgreSQL; a no-op on SQLite (see above). */
  lockAuditChain(trx: Executor): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… or null for SQLite in dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  poolSize?: number;
}

const AUDIT_CHAIN_LOCK_KEY = 7_201_947_001;

export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10)
    : openSqlite(options);
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(options: StoreOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, 'mailwarden.sqlite');
  const database = new SqliteDatabase(file);
  // WAL lets readers (CLI, API) run beside the gateway's writes. synchronous=NORMAL keeps every
  // committed transaction across a process crash; only an OS crash or power loss can drop the last
  // few milliseconds of commits (https://www.sqlite.org/pragma.html#pragma_synchronous).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 10000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    dialect: 'sqlite',
    location: file,
    async writeTransaction(work) {
      // Kysely's SQLite driver holds one connection behind a mutex for the whole callback.
      return db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        try {
          const result = await work(connection);
          await sql`commit`.execute(connection);
          return result;
        } catch (error) {
          await sql`rollback`.execute(connection);
          throw error;
        }
      });
    },
    async lockAuditChain() {},
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

function openPostgres(url: string, poolSize: number): Store {
  const pool = new pg.Pool({
    connectionString: url,
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return {
    db,
    dialect: 'postgres',
    location: safe.toString(),
    writeTransaction: (work) => db.transaction().execute(work),
    async lockAuditChain(trx) {
      await sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`.execute(trx);
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

async function migrate(store: Store): Promise<void> {
  const migrations: Record<string, Migration> = {
    '001-initial': initialMigration(store.dialect),
  };
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`);
  }
}
