import type SqliteDatabase from 'better-sqlite3';
import type { QueryResult } from 'kysely';

/**
 * The executors that hold the SQLite connection right now: the one a writeTransaction or readSnapshot
 * gave its work, while that work runs. A statement through such an executor cannot meet another
 * caller's transaction (Kysely's connection mutex is already held for it), so a compiled query may
 * run it on the connection directly instead of through Kysely's executor (compiled-query.ts).
 */
const held = new WeakMap<object, SqliteDatabase.Database>();

export async function holdingSqliteConnection<T>(
  executor: object,
  connection: SqliteDatabase.Database,
  work: () => Promise<T>,
): Promise<T> {
  held.set(executor, connection);
  try {
    return await work();
  } finally {
    // An executor kept past its transaction must go through the mutex again.
    held.delete(executor);
  }
}

/**
 * Runs a compiled statement on the connection `executor` holds, as Kysely's SQLite driver would
 * (same statement cache, same result shape); undefined when it holds none (store.db, PostgreSQL).
 */
export function runOnHeldSqlite<R>(
  executor: object,
  sql: string,
  parameters: readonly unknown[],
): QueryResult<R> | undefined {
  const connection = held.get(executor);
  if (!connection) return undefined;
  const statement = connection.prepare(sql);
  if (statement.reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { insertId: BigInt(lastInsertRowid), numAffectedRows: BigInt(changes), rows: [] };
}
