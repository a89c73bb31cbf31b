/**
 * Import speed and memory (target: 10,000 accounts in under 60 s on this machine, memory flat in the
 * number of accounts): `mailwarden import dovecot-passwd` of a generated passwd-file, into a fresh
 * SQLite data folder (or PostgreSQL with --postgres). Baseline in the same run: --baseline accounts
 * (1/10 of them), each in its own fresh data folder; time and memory are measured in separate runs. The file is streamed, so the peak heap of both
 * runs should be about the same (the peak of the process's heap while importing, sampled after a collection every 100 ms); the repeat run (every account unchanged) is timed too.
 *
 *   npm run build && node dist/bench/import/import.bench.js [--accounts 10000] [--baseline 1000] [--postgres]
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { removeDataDir } from '../bench-data-dir.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: sized(10_000, 200) },
    baseline: { type: 'string', default: sized(1000, 20) },
    ...smokeOption,
    postgres: { type: 'boolean', default: false },
  },
});
const ACCOUNTS = Number(values.accounts);
const BASELINE = Number(values.baseline);
const POSTGRES_ADMIN = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const actor = { actor: 'cli:bench', logonType: 'admin' as const };

// The live heap, not the garbage still waiting for a collection: the sampler collects before it reads.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/** One real hash from Debian's Dovecot for every account: the import keeps hashes as they are. */
const HASH = execFileSync('doveadm', ['pw', '-s', 'SHA512-CRYPT', '-p', 'bench password'], {
  encoding: 'utf8',
}).trim();

async function writePasswdFile(file: string, accounts: number): Promise<void> {
  const out = createWriteStream(file);
  for (let index = 0; index < accounts; index += 1) {
    const line = `user${index}@d${index % 20}.bench.example:${HASH}:5000:5000:User ${index}::/bin/false:\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}

async function postgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `mw_bench_import_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

interface Measured {
  seconds: number;
  repeatSeconds: number;
  peakHeapMiB: number;
  created: number;
}

/** Imports `accounts` into a fresh store: time, the repeat's time and the peak heap during the import. */
async function measure(accounts: number, sampleHeap: boolean): Promise<Measured> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-bench-import-'));
  const database = values.postgres ? await postgresDatabase() : null;
  try {
    const file = path.join(dir, 'users');
    await writePasswdFile(file, accounts);
    const outcome = loadConfig({
      env: {},
      overrides: { 'data.dir': path.join(dir, 'data'), 'database.url': database?.url ?? null },
    });
    if (!outcome.ok) throw new Error(outcome.problems.join('; '));
    const app = await buildApp(outcome.config, { logger: silentLogger });
    try {
      collect();
      let peak = process.memoryUsage().heapUsed;
      const sampler = setInterval(() => {
        if (!sampleHeap) return;
        collect();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 100);
      const start = process.hrtime.bigint();
      const first = await app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: false, actor },
      );
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      clearInterval(sampler);
      if (!first.ok) throw new Error(first.message);
      const repeatStart = process.hrtime.bigint();
      const repeat = await app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: false, actor },
      );
      const repeatSeconds = Number(process.hrtime.bigint() - repeatStart) / 1e9;
      if (!repeat.ok || repeat.report.users.unchanged !== accounts)
        throw new Error('the repeat run changed accounts');
      return {
        seconds,
        repeatSeconds,
        peakHeapMiB: peak / 1024 / 1024,
        created: first.report.users.created,
      };
    } finally {
      await app.close();
    }
  } finally {
    await database?.drop();
    removeDataDir(dir);
  }
}

const store = values.postgres ? 'postgres' : 'sqlite';
// Collecting every 100 ms slows the import down: time and memory are measured in separate runs.
const baselineTime = await measure(BASELINE, false);
const fullTime = await measure(ACCOUNTS, false);
const baseline = { ...baselineTime, peakHeapMiB: (await measure(BASELINE, true)).peakHeapMiB };
const full = { ...fullTime, peakHeapMiB: (await measure(ACCOUNTS, true)).peakHeapMiB };
if (full.created !== ACCOUNTS) throw new Error(`created ${full.created} of ${ACCOUNTS}`);
console.log(`store: ${store}`);
console.log(
  `baseline ${BASELINE} accounts: import ${baseline.seconds.toFixed(2)} s, repeat ${baseline.repeatSeconds.toFixed(2)} s, peak live heap ${baseline.peakHeapMiB.toFixed(1)} MiB`,
);
console.log(
  `import ${ACCOUNTS} accounts: ${full.seconds.toFixed(2)} s (${Math.round(ACCOUNTS / full.seconds)} accounts/s), repeat ${full.repeatSeconds.toFixed(2)} s, peak live heap ${full.peakHeapMiB.toFixed(1)} MiB`,
);
console.log(
  `memory ratio ${ACCOUNTS}/${BASELINE} accounts: ${(full.peakHeapMiB / Math.max(baseline.peakHeapMiB, 0.1)).toFixed(2)} (flat: about 1; the accounts grew ${ACCOUNTS / BASELINE}x)`,
);
console.log(`target under 60 s: ${full.seconds < 60 ? 'met' : 'missed'}`);
