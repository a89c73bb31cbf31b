/**
 * Audit search latency with a large log (default 10 million records over 90 days, 2,000 mailboxes),
 * on SQLite: p50/p95/p99 of the first page (100 records, newest first) of
 *   A. one mailbox's last 7 days,
 *   B. one operation across all mailboxes in one day,
 *   C. five cursor pages of one mailbox's last 30 days,
 *   D. the counts per operation of A,
 *   E. one client IP over all 90 days,
 * through the real search path (app.audit.search). Rows are bulk-loaded with a valid hash chain
 * straight into the table (the ingest benchmark measures the write path), then the indexes of the
 * migrations are built, and the search keys by the store's bulk key step. Measured twice: with the
 * newest SEARCH_KEYS_EVERY - 1 records without keys (the most the writers leave, mid-burst; every
 * keyed search also reads them by id), then with every record keyed (what the server's quiet-time
 * timer leaves).
 *
 *   npm run build && node dist/bench/audit/search.bench.js [--records 10000000] [--queries 300] [--keep DIR]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { type App, buildApp } from '../../src/app.js';
import { hashAuditRow } from '../../src/audit/hash-chain.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { type AuditLogTable, SEARCH_KEYS_EVERY } from '../../src/store/index.js';
import { removeDataDir } from '../bench-data-dir.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: sized(10_000_000, 5000) },
    mailboxes: { type: 'string', default: sized(2000, 50) },
    queries: { type: 'string', default: sized(300, 10) },
    ...smokeOption,
    keep: { type: 'string' },
  },
});
const RECORDS = Number(values.records);
const MAILBOXES = Number(values.mailboxes);
const QUERIES = Number(values.queries);
const DAY = 86_400_000;
const END = Date.UTC(2026, 10, 27);
const START = END - 90 * DAY;

/** A plausible mix: reads and sign-ins dominate, deletes and rules are rare. */
const OPERATIONS: Array<[string, number]> = [
  ['MailItemsAccessed', 30],
  ['MailboxLogin', 25],
  ['Send', 12],
  ['Move', 8],
  ['SoftDelete', 5],
  ['HardDelete', 5],
  ['Copy', 3],
  ['Create', 4],
  ['Update', 4],
  ['SearchQueryInitiated', 2],
  ['MoveToDeletedItems', 1.5],
  ['UpdateInboxRules', 0.3],
  ['FolderCreate', 0.2],
];
const pickOperation = (() => {
  const total = OPERATIONS.reduce((sum, [, weight]) => sum + weight, 0);
  const table: string[] = [];
  for (const [name, weight] of OPERATIONS)
    for (let i = 0; i < Math.round((weight / total) * 1000); i++) table.push(name);
  return () => table[Math.floor(Math.random() * table.length)]!;
})();

const mailbox = (index: number) => `user${index}@example.org`;

async function main(): Promise<void> {
  const dataDir = values.keep ?? mkdtempSync(path.join(tmpdir(), 'mw-bench-audit-search-'));
  const loaded = loadConfig({ env: {}, overrides: { 'data.dir': dataDir } });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const file = path.join(dataDir, 'mailwarden.sqlite');
  // Migrations first (the schema and indexes exactly as shipped).
  await (await buildApp(loaded.config, { logger: silentLogger })).close();
  const raw = new SqliteDatabase(file);
  const have = (raw.prepare('select count(*) as n from audit_log').get() as { n: number }).n;
  if (have < RECORDS) {
    const started = Date.now();
    await load(raw, have);
    console.error(`loaded ${RECORDS} records in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  // The worst case first: as many newest records without search keys as the writers ever leave
  // (SEARCH_KEYS_EVERY - 1, mid-burst), so every keyed search also reads them by id.
  const unkeyed = Math.min(RECORDS, SEARCH_KEYS_EVERY - 1);
  const keyedThrough = RECORDS - unkeyed;
  // A kept database was left with every record keyed by the last run.
  if ((raw.prepare('select through_id from audit_search_state').pluck().get() as number) > keyedThrough) {
    // The keys' guard (migration 014) refuses this to anyone else; the bench lifts it for the delete.
    const guard = raw
      .prepare(
        "select sql from sqlite_master where type = 'trigger' and name = 'audit_search_keys_no_delete'",
      )
      .pluck()
      .get() as string;
    raw.exec('drop trigger audit_search_keys_no_delete');
    raw.prepare('delete from audit_search_keys where record_id > ?').run(keyedThrough);
    raw.exec(guard);
    raw.prepare('update audit_search_state set through_id = ?').run(keyedThrough);
  }
  raw.close();

  const app = await buildApp(loaded.config, { logger: silentLogger });
  try {
    // The keys of the rest, by the store's own bulk key step, in one transaction.
    await app.store.writeTransaction((trx) => app.store.auditRows.indexSearchKeys(trx, keyedThrough, 0));
    await measure(app, `${unkeyed} newest records without search keys (mid-burst)`);
    // Then as the server's quiet-time timer leaves a log: every record keyed.
    await app.audit.writeSearchKeys();
    await measure(app, 'every record keyed (a quiet log)');
  } finally {
    await app.close();
    if (!values.keep) removeDataDir(dataDir);
  }
}

async function measure(app: App, state: string): Promise<void> {
  {
    const results: Record<string, number[]> = { A: [], B: [], C: [], D: [], E: [] };
    const rows: Record<string, number[]> = { A: [], B: [], C: [], D: [], E: [] };
    const timed = async (name: string, run: () => Promise<{ records: unknown[] }>) => {
      const t0 = process.hrtime.bigint();
      const page = await run();
      results[name]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      rows[name]!.push(page.records.length);
    };
    // Warm-up: the page cache and the statement cache, as a running server has them.
    for (let i = 0; i < 20; i++)
      await app.audit.search({ mailbox: mailbox(i), sinceMs: END - 7 * DAY, limit: 100 });
    for (let i = 0; i < QUERIES; i++) {
      const who = mailbox(Math.floor(Math.random() * MAILBOXES));
      const day = START + Math.floor(Math.random() * 89) * DAY;
      const operation = pickOperation();
      await timed('A', () => app.audit.search({ mailbox: who, sinceMs: END - 7 * DAY, limit: 100 }));
      await timed('B', () =>
        app.audit.search({ operations: [operation], sinceMs: day, untilMs: day + DAY, limit: 100 }),
      );
      await timed('C', async () => {
        let page = await app.audit.search({ mailbox: who, sinceMs: END - 30 * DAY, limit: 100 });
        for (let p = 0; p < 4 && page.nextCursor !== null; p++)
          page = await app.audit.search({
            mailbox: who,
            sinceMs: END - 30 * DAY,
            limit: 100,
            beforeId: page.nextCursor,
          });
        return page;
      });
      await timed('D', async () => {
        const counts = await app.audit.countByOperation({ mailbox: who, sinceMs: END - 7 * DAY });
        return { records: Object.keys(counts) };
      });
      const ip = `198.51.${Math.floor(Math.random() * 40)}.${Math.floor(Math.random() * 250)}`;
      await timed('E', () => app.audit.search({ clientIp: ip, limit: 100 }));
    }
    const describe = {
      A: "one mailbox's last 7 days, first page of 100",
      B: 'one operation across all mailboxes in one day, first page of 100',
      C: "one mailbox's last 30 days, pages 1-5 of 100 (five calls)",
      D: "counts per operation of one mailbox's last 7 days",
      E: 'one client IP over all 90 days, first page of 100',
    };
    console.log(`records: ${RECORDS}, mailboxes: ${MAILBOXES}, queries per kind: ${QUERIES}; ${state}`);
    for (const name of ['A', 'B', 'C', 'D', 'E'] as const) {
      const sorted = [...results[name]!].sort((a, b) => a - b);
      const at = (q: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
      const avgRows = rows[name]!.reduce((a, b) => a + b, 0) / rows[name]!.length;
      console.log(
        `${name} ${describe[name]}: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms (avg ${avgRows.toFixed(0)} rows)`,
      );
    }
  }
}

/** Bulk load with the indexes dropped, then rebuilt (as a restore would), in one writer. */
async function load(raw: SqliteDatabase.Database, from: number): Promise<void> {
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = OFF');
  raw.pragma('cache_size = -400000');
  const indexes = raw
    .prepare(
      "select name, sql from sqlite_master where type = 'index' and tbl_name = 'audit_log' and sql is not null",
    )
    .all() as Array<{ name: string; sql: string }>;
  for (const index of indexes) raw.exec(`drop index ${index.name}`);
  const last = raw.prepare('select id, hash from audit_log order by id desc limit 1').get() as
    | { id: number; hash: string }
    | undefined;
  let previousHash = last?.hash ?? '0'.repeat(64);
  const insert = raw.prepare(
    `insert into audit_log (id, time, operation, result, mailbox, actor, logon_type, client_ip, protocol, client_info,
      session_id, folder, destination_folder, item_ids, message_id, subject, details, prev_hash, hash)
     values (@id, @time, @operation, @result, @mailbox, @actor, @logon_type, @client_ip, @protocol, @client_info,
      @session_id, @folder, @destination_folder, @item_ids, @message_id, @subject, @details, @prev_hash, @hash)`,
  );
  const step = (END - START) / RECORDS;
  const batch = raw.transaction((start: number, end: number) => {
    for (let id = start; id <= end; id++) {
      const operation = pickOperation();
      const who = mailbox(Math.floor(Math.random() * MAILBOXES));
      const items = operation === 'MailItemsAccessed' || operation.includes('Delete') || operation === 'Move';
      const row: Omit<AuditLogTable, 'hash'> = {
        id,
        time: Math.floor(START + (id - 1) * step),
        operation,
        result: Math.random() < 0.03 ? 'failure' : 'success',
        mailbox: who,
        actor: who,
        logon_type: 'owner',
        client_ip: `198.51.${Math.floor(Math.random() * 40)}.${Math.floor(Math.random() * 250)}`,
        protocol: operation === 'Send' ? 'smtp' : 'imap',
        client_info: null,
        session_id: `s${Math.floor(id / 40)}`,
        folder: items ? 'INBOX' : null,
        destination_folder: operation === 'Move' ? 'Archive' : null,
        item_ids: items ? JSON.stringify([String(id % 5000), String((id + 1) % 5000)]) : null,
        message_id: operation === 'Send' ? `<${id}@example.org>` : null,
        subject: operation === 'Send' ? `Quarterly numbers ${id % 100}` : null,
        details: operation === 'Send' ? '{"recipientCount":2}' : null,
        prev_hash: previousHash,
      };
      const hash = hashAuditRow(row);
      insert.run({ ...row, hash });
      previousHash = hash;
    }
  });
  for (let start = from + 1; start <= RECORDS; start += 100_000) {
    batch(start, Math.min(RECORDS, start + 99_999));
    if ((start - 1) % 1_000_000 === 0) console.error(`  ${start - 1} rows`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const index of indexes) raw.exec(index.sql);
  raw.pragma('wal_checkpoint(TRUNCATE)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
