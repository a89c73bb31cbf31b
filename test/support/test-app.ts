import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type App, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import type { Clock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';

/** PostgreSQL for tests: the machine's local server (trust auth), one fresh database per test app. */
export const POSTGRES_ADMIN_URL =
  process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'sqlite' | 'postgres';

/** Runs one statement as the PostgreSQL administrator (to simulate outages, inspect databases). */
export async function runAdminSql(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
export const storeKinds: readonly StoreKind[] = ['sqlite', 'postgres'];

export function makeTempDir(prefix = 'mailwarden-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  return {
    dir,
    remove() {
      try {
        remove();
      } catch {
        // Running as root, the audit anchor file was made append-only (chattr +a): nobody, root
        // included, removes it before the flag is lifted.
        // chattr -R also reports the sockets and links it cannot flag: the removal is the verdict.
        try {
          execFileSync('chattr', ['-R', '-a', dir], { stdio: 'ignore' });
        } catch {}
        remove();
      }
    },
  };
}

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `mw_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestConfigOptions {
  dataDir: string;
  databaseUrl?: string | null;
  overrides?: Record<string, unknown>;
}

/** A config on free ports (0) with everything else at its documented default. */
export function testConfig(options: TestConfigOptions): Config {
  const outcome = loadConfig({
    env: {},
    overrides: {
      'data.dir': options.dataDir,
      'database.url': options.databaseUrl ?? null,
      'smtp.port': 0,
      'smtps.port': 0,
      'http.port': 0,
      'policy.port': 0,
      // Never the machine's resolver: Secure Score tests start their own DNS server on loopback.
      'dns.servers': ['127.0.0.1:9'],
      ...options.overrides,
    },
  });
  if (!outcome.ok) throw new Error(`test config invalid: ${outcome.problems.join('; ')}`);
  return outcome.config;
}

export interface TestApp {
  app: App;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A whole Mailwarden (modules + store) on a fresh SQLite file or a fresh PostgreSQL database. */
export async function createTestApp(
  kind: StoreKind = 'sqlite',
  options: { overrides?: Record<string, unknown>; clock?: Clock; processMetrics?: boolean } = {},
): Promise<TestApp> {
  const temp = makeTempDir();
  const postgres = kind === 'postgres' ? await createPostgresDatabase() : null;
  const config = testConfig({
    dataDir: temp.dir,
    databaseUrl: postgres?.url ?? null,
    overrides: options.overrides,
  });
  const app = await buildApp(config, {
    logger: silentLogger,
    clock: options.clock,
    processMetrics: options.processMetrics ?? false,
  });
  return {
    app,
    dataDir: temp.dir,
    async cleanup() {
      await app.close();
      await postgres?.drop();
      temp.remove();
    },
  };
}

export const cliActor = { actor: 'test', logonType: 'admin' as const };

/** Adds the domain of `address` if needed and a user with this password. */
export async function addUser(
  app: App,
  address: string,
  password = 'correct horse battery staple',
  options: { role?: 'user' | 'admin'; displayName?: string } = {},
) {
  const domain = address.split('@')[1]!;
  const domains = await app.directory.listDomains();
  if (!domains.some((d) => d.name === domain)) {
    const added = await app.directory.addDomain(domain, cliActor);
    if (!added.ok) throw new Error(added.message);
  }
  const created = await app.directory.createUser({ address, password, ...options }, cliActor);
  if (!created.ok) throw new Error(created.message);
  return created.user;
}
