import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type App, buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/runtime/logger.js';
import { removeDataDir } from './bench-data-dir.js';

const POSTGRES_ADMIN = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchApp {
  readonly app: App;
  readonly dataDir: string;
  /** Closes the app, removes its data dir and drops its PostgreSQL database (when it made one). */
  close(): Promise<void>;
}

/**
 * The app a benchmark measures: a fresh data dir, and on PostgreSQL a fresh database of its own
 * (dropped again by close), so a run never measures or leaves behind another run's rows.
 */
export async function openBenchApp(options: {
  /** Names the data dir and the database (`mw-bench-<name>-…`, `mw_bench_<name>_…`). */
  name: string;
  postgres: boolean;
  overrides?: Record<string, unknown>;
}): Promise<BenchApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `mw-bench-${options.name}-`));
  const dbName = `mw_bench_${options.name.replace(/\W/g, '_')}_${Date.now().toString(36)}`;
  let databaseUrl: string | null = null;
  if (options.postgres) {
    await adminQuery(`CREATE DATABASE ${dbName}`);
    const url = new URL(POSTGRES_ADMIN);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const loaded = loadConfig({
    env: {},
    overrides: { 'data.dir': dataDir, 'database.url': databaseUrl, ...options.overrides },
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const app = await buildApp(loaded.config, { logger: silentLogger });
  return {
    app,
    dataDir,
    async close() {
      await app.close();
      removeDataDir(dataDir);
      if (options.postgres) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
