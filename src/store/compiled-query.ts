import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import { runOnHeldSqlite } from './held-connection.js';
import type { Database } from './schema.js';
import type { Executor } from './store.js';

/** Stands for a named parameter while the query is built and compiled; replaced by its value per call. */
class Parameter {
  constructor(readonly name: string) {}
}

export type ParameterOf<P> = <K extends keyof P & string>(name: K) => P[K];

/**
 * A hot-path query built with Kysely once and compiled once per database (dialect); each call only
 * binds its parameters and runs it. Building and compiling a query costs more than running the small
 * indexed statements of the submission path (~10 µs against 2–7 µs on SQLite), and SQLite's
 * statement cache (store.ts) then reuses the prepared statement too.
 *
 * `build` must use `param(name)` for every value that varies between calls (never a captured
 * variable: that value would be frozen into the first compilation).
 */
export function compiledQuery<P extends Record<string, unknown>, R>(
  build: (db: Kysely<Database>, param: ParameterOf<P>) => Compilable<R>,
): (executor: Executor, parameters: P) => Promise<QueryResult<R>> {
  // One compilation per database handle: a transaction shares its database's adapter object.
  const compiled = new WeakMap<object, CompiledQuery<R>>();
  const param = ((name: string) => new Parameter(name)) as ParameterOf<P>;
  return async (executor, parameters) => {
    const key = executor.getExecutor().adapter;
    let query = compiled.get(key);
    if (!query) {
      query = build(executor, param).compile();
      compiled.set(key, query);
    }
    const bound = query.parameters.map((value) => {
      if (!(value instanceof Parameter)) return value;
      const given = parameters[value.name];
      if (given === undefined) throw new Error(`compiled query: no value for parameter ${value.name}`);
      return given;
    });
    // Inside a SQLite transaction or snapshot the statement runs on the held connection directly:
    // Kysely's executor (connection provider, mutex, driver) costs more than the indexed statements
    // of the submission path (bench/gateway-throughput/README.md).
    return (
      runOnHeldSqlite<R>(executor, query.sql, bound) ??
      executor.executeQuery<R>({ ...query, parameters: bound })
    );
  };
}
