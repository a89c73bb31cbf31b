/**
 * Audit ingest throughput through the real Dovecot ingest path (JSON Lines bodies → parse → map →
 * seal → spool file → drain → hash chain → insert, on SQLite in the ingest thread; until drained),
 * against a raw batched INSERT of the very same rows into a table of the same schema and indexes, in
 * the same run, alternating rounds; on SQLite and PostgreSQL.
 * Also: the hash chain's share of the ingest time (SHA-256 of the same rows, timed alone).
 *
 *   npm run build && node dist/bench/audit/ingest.bench.js [--events 100000] [--batch 500]
 *     [--concurrency 4] [--rounds 3] [--only sqlite|postgres]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { type App, buildApp } from '../../src/app.js';
import { hashAuditRow } from '../../src/audit/hash-chain.js';
import { loadConfig } from '../../src/config/index.js';
import { createDovecotEventIngest } from '../../src/mailstack/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import {
  AUDIT_LOG_COLUMNS,
  type AuditLogTable,
  SEARCH_KEY_PREFIX,
  SQLITE_CHECKPOINT_PAGES,
} from '../../src/store/index.js';
import { removeDataDir } from '../bench-data-dir.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: sized(100_000, 2000) },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: sized(3, 1) },
    only: { type: 'string' },
    ...smokeOption,
  },
});
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
/** The event rate the generated times imply (50 per millisecond: 50,000 events/s). */
const EVENTS_PER_MS = 50;
const POSTGRES_ADMIN = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Dovecot events as the exporter sends them (fields as observed from 2.3.19), each worth one record.
 * Their times move forward as a live server's do (EVENTS_PER_MS per millisecond from the round's
 * start): events re-sent with old times would land inside every time-ordered index instead of at
 * its end, a backfill no exporter does, and make each round costlier than the one before for both
 * the ingest and the raw insert (bench/audit/README.md, "Session 4").
 */
function event(index: number, roundStartMs: number): Record<string, unknown> {
  const user = `user${index % 1000}@example.org`;
  const base = {
    user,
    session: `S${Math.floor(index / 20)}`,
    remote_ip: `198.51.100.${index % 250}`,
    local_ip: '127.0.0.1',
    tagged_reply_state: 'OK',
    mailbox: 'INBOX',
  };
  const time = new Date(roundStartMs + Math.floor(index / EVENTS_PER_MS)).toISOString();
  const command = (fields: Record<string, unknown>) => ({
    event: 'imap_command_finished',
    hostname: 'mx1',
    start_time: time,
    end_time: time,
    categories: ['service:imap', 'imap'],
    fields: { ...base, ...fields },
  });
  switch (index % 7) {
    case 0:
      return {
        event: 'auth_request_finished',
        end_time: time,
        categories: ['service:auth', 'auth'],
        fields: {
          user,
          service: 'imap',
          mechanism: 'PLAIN',
          success: 'yes',
          remote_ip: base.remote_ip,
          session: base.session,
          transport: 'TLS',
          policy_result: 'ok',
        },
      };
    case 1:
      return command({
        cmd_name: 'UID STORE',
        cmd_args: `${index % 900} +FLAGS (\\Seen)`,
        tagged_reply: 'OK Store completed.',
      });
    case 2:
      return command({
        cmd_name: 'UID COPY',
        cmd_args: `${index % 900} Archive`,
        tagged_reply: `OK [COPYUID 1795760969 ${index % 900} ${index}] Copy completed.`,
      });
    case 3:
      return command({
        cmd_name: 'UID MOVE',
        cmd_args: `${index % 900} Trash`,
        tagged_reply: 'OK Move completed.',
      });
    case 4:
      return command({
        cmd_name: 'APPEND',
        cmd_args: 'Sent <2048 byte literal>',
        tagged_reply: `OK [APPENDUID 1795760969 ${index}] Append completed.`,
      });
    case 5:
      return command({
        cmd_name: 'UID STORE',
        cmd_args: `${index % 900} +FLAGS (\\Deleted)`,
        tagged_reply: 'OK Store completed.',
      });
    default:
      return command({
        cmd_name: 'UID SEARCH',
        cmd_args: 'SUBJECT invoice',
        cmd_human_args: 'SUBJECT invoice',
        tagged_reply: 'OK Search completed',
      });
  }
}

interface Target {
  name: 'sqlite' | 'postgres';
  app: App;
  dataDir: string;
  rawInsert(rows: readonly AuditLogTable[], batch: number): Promise<void>;
  close(): Promise<void>;
}

/** The audit log's columns in the store's insert order. */
const COLUMNS = AUDIT_LOG_COLUMNS;

async function sqliteTarget(): Promise<Target> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mw-bench-audit-ingest-'));
  const app = await open(dataDir, null);
  // Its own file, with the store's settings: a commit on a shared file would empty the other
  // connection's page cache and slow whichever phase runs next.
  const schema = new SqliteDatabase(path.join(dataDir, 'mailwarden.sqlite'), { readonly: true });
  const ddl = schema
    .prepare(
      "select sql from sqlite_master where tbl_name in ('audit_log', 'audit_search_keys') and type in ('table', 'index') and sql is not null order by type desc",
    )
    .all() as Array<{ sql: string }>;
  schema.close();
  const raw = new SqliteDatabase(path.join(dataDir, 'raw-baseline.sqlite'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('cache_size = -65536'); // as the store's connection
  raw.pragma(`wal_autocheckpoint = ${SQLITE_CHECKPOINT_PAGES}`);
  // The same tables and indexes as audit_log and its search keys (their DDL from the migrations),
  // without the triggers.
  for (const { sql } of ddl)
    raw.exec(
      sql.replace(/\baudit_(log|search_keys)\b/g, 'audit_$1_raw').replace(/INDEX (\w+)/, 'INDEX raw_$1'),
    );
  const insert = raw.prepare(
    `insert into audit_log_raw (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`,
  );
  const insertKey = raw.prepare(
    'insert into audit_search_keys_raw (search_key, key_time, record_id) values (?, ?, ?)',
  );
  // Each row with its search keys, as a writer without the bulk key step would write them.
  const write = raw.transaction((rows: readonly AuditLogTable[]) => {
    for (const row of rows) {
      insert.run(...COLUMNS.map((column) => row[column]));
      if (row.mailbox !== null) insertKey.run(SEARCH_KEY_PREFIX.mailbox + row.mailbox, row.time, row.id);
      if (row.client_ip !== null) insertKey.run(SEARCH_KEY_PREFIX.clientIp + row.client_ip, row.time, row.id);
    }
  });
  return {
    name: 'sqlite',
    app,
    dataDir,
    async rawInsert(rows, batch) {
      for (let start = 0; start < rows.length; start += batch) write(rows.slice(start, start + batch));
    },
    async close() {
      raw.close();
      await app.close();
      removeDataDir(dataDir);
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mw-bench-audit-ingest-'));
  const name = `mw_bench_audit_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN);
  url.pathname = `/${name}`;
  const app = await open(dataDir, url.toString());
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query('create table audit_log_raw (like audit_log including indexes)');
  await client.query('create table audit_search_keys_raw (like audit_search_keys including indexes)');
  return {
    name: 'postgres',
    app,
    dataDir,
    async rawInsert(rows, batch) {
      // PostgreSQL allows 65,535 parameters per statement: 19 columns → at most 3,449 rows each.
      for (let start = 0; start < rows.length; start += batch) {
        const rowsOfBatch = rows.slice(start, start + batch);
        await client.query('begin');
        for (let offset = 0; offset < rowsOfBatch.length; offset += 3000) {
          const chunk = rowsOfBatch.slice(offset, offset + 3000);
          const params: unknown[] = [];
          const tuples = chunk.map(
            (row) => `(${COLUMNS.map((column) => `$${params.push(row[column])}`).join(', ')})`,
          );
          await client.query(
            `insert into audit_log_raw (${COLUMNS.join(', ')}) values ${tuples.join(', ')}`,
            params,
          );
          // Each row's search keys, as a writer without the bulk key step would write them.
          const keys = chunk.flatMap((row) => [
            ...(row.mailbox === null ? [] : [[SEARCH_KEY_PREFIX.mailbox + row.mailbox, row.time, row.id]]),
            ...(row.client_ip === null
              ? []
              : [[SEARCH_KEY_PREFIX.clientIp + row.client_ip, row.time, row.id]]),
          ]);
          await client.query(
            'insert into audit_search_keys_raw (search_key, key_time, record_id) select * from unnest($1::text[], $2::bigint[], $3::bigint[])',
            [keys.map((key) => key[0]), keys.map((key) => key[1]), keys.map((key) => key[2])],
          );
        }
        await client.query('commit');
      }
    },
    async close() {
      await client.end();
      await app.close();
      const drop = new pg.Client({ connectionString: POSTGRES_ADMIN });
      await drop.connect();
      await drop.query(`drop database if exists ${name} with (force)`);
      await drop.end();
      removeDataDir(dataDir);
    },
  };
}

async function open(dataDir: string, databaseUrl: string | null): Promise<App> {
  const loaded = loadConfig({ env: {}, overrides: { 'data.dir': dataDir, 'database.url': databaseUrl } });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  return buildApp(loaded.config, { logger: silentLogger });
}

async function run(target: Target) {
  const ingest = createDovecotEventIngest({
    audit: target.app.audit,
    clock: systemClock,
    logger: silentLogger,
    trashFolders: ['Trash'],
    doveadm: null,
    spoolDir: path.join(target.dataDir, 'dovecot-events'),
  });
  // Each round's request bodies are made before its clock starts, with that round's times.
  const bodiesAt = (roundStartMs: number) => {
    const bodies: string[] = [];
    for (let start = 0; start < EVENTS; start += BATCH)
      bodies.push(
        Array.from({ length: Math.min(BATCH, EVENTS - start) }, (_, i) =>
          JSON.stringify(event(start + i, roundStartMs)),
        ).join('\n'),
      );
    return bodies;
  };
  const ingestRates: number[] = [];
  const rawRates: number[] = [];
  // Records per CPU-second of this process: on a shared, loaded machine the wall clock measures the
  // neighbours; CPU time is what the work costs (SQLite runs in-process, so it is all counted).
  const ingestCpuRates: number[] = [];
  const rawCpuRates: number[] = [];
  const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
  const hashShares: number[] = [];
  const batchSizes: number[] = [];
  // Warm-up (JIT, statement caches).
  await ingest.accept(bodiesAt(Date.now())[0]!);
  await ingest.drained();
  for (let round = 0; round < ROUNDS; round++) {
    const bodies = bodiesAt(Date.now());
    const head = await target.app.audit.search({ limit: 1 });
    const firstId = (head.records[0]?.id ?? 0) + 1;
    let next = 0;
    // Each ingest job is one transaction (on SQLite in the ingest thread, ingest-writer.ts).
    let transactions = 0;
    const ingestJobs = target.app.audit.ingest;
    target.app.audit.ingest = (...job) => {
      transactions += 1;
      return ingestJobs(...job);
    };
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          // Requests arrive as network events, so the event loop turns between them: the spool's
          // drain and the ingest thread's answers get their turn, as behind the HTTP endpoint. A
          // loop of already-resolved awaits would starve them, and every round would be accepted
          // whole before its first batch is written (bench/audit/README.md, "Session 5").
          await new Promise<void>((resolve) => setImmediate(resolve));
          const body = bodies[next++];
          if (body === undefined) break;
          const outcome = await ingest.accept(body);
          if (!outcome.ok) throw new Error(outcome.message);
        }
      }),
    );
    // Accepted means spooled: the round ends when everything is in the audit log.
    await ingest.drained();
    const ingestSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const ingestCpu = cpuSeconds(process.cpuUsage(c0));
    target.app.audit.ingest = ingestJobs;
    // The baseline commits as many rows per transaction as the group commit did.
    const batch = Math.max(1, Math.round(EVENTS / transactions));
    batchSizes.push(batch);
    const rows = (await target.app.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>=', firstId)
      .orderBy('id')
      .execute()) as AuditLogTable[];
    if (rows.length !== EVENTS) throw new Error(`expected ${EVENTS} records, found ${rows.length}`);
    ingestRates.push(rows.length / ingestSeconds);
    ingestCpuRates.push(rows.length / ingestCpu);

    const rc0 = process.cpuUsage();
    const r0 = process.hrtime.bigint();
    await target.rawInsert(rows, batch);
    rawRates.push(rows.length / (Number(process.hrtime.bigint() - r0) / 1e9));
    rawCpuRates.push(rows.length / cpuSeconds(process.cpuUsage(rc0)));

    const h0 = process.cpuUsage();
    for (const { hash: _hash, ...content } of rows) hashAuditRow(content);
    hashShares.push(cpuSeconds(process.cpuUsage(h0)) / ingestCpu);
  }
  const verified = await target.app.audit.verify();
  if (!verified.ok) throw new Error(`chain broken: ${verified.detail}`);
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  const ingestRate = median(ingestRates);
  const rawRate = median(rawRates);
  const ingestCpuRate = median(ingestCpuRates);
  const rawCpuRate = median(rawCpuRates);
  const list = (rates: number[]) => rates.map((r) => r.toFixed(0)).join(' / ');
  console.log(
    `${target.name}: wall clock: ingest ${ingestRate.toFixed(0)} records/s, raw batched INSERT ${rawRate.toFixed(0)} rows/s, ` +
      `ratio ${(ingestRate / rawRate).toFixed(2)} (rounds: ingest ${list(ingestRates)}; raw ${list(rawRates)})\n` +
      `${target.name}: per CPU-second of this process: ingest ${ingestCpuRate.toFixed(0)} records, raw ${rawCpuRate.toFixed(0)} rows, ` +
      `ratio ${(ingestCpuRate / rawCpuRate).toFixed(2)} (rounds: ingest ${list(ingestCpuRates)}; raw ${list(rawCpuRates)})\n` +
      `${target.name}: hash chain (SHA-256 of the same rows, timed alone): ${(median(hashShares) * 100).toFixed(1)}% of ingest CPU; ` +
      `chain verified: ${verified.recordsChecked} records; rows per transaction (both): ${batchSizes.join(' / ')}`,
  );
}

async function main(): Promise<void> {
  console.log(
    `events per round: ${EVENTS}, events per request: ${BATCH}, requests in flight: ${CONCURRENCY}, rounds: ${ROUNDS}`,
  );
  for (const make of [sqliteTarget, postgresTarget]) {
    if (values.only && !make.name.startsWith(values.only)) continue;
    const target = await make();
    try {
      await run(target);
    } finally {
      await target.close();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
