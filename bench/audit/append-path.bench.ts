/**
 * The gateway's audit cost: CPU per Send record through `audit.append` (group commit) with 20
 * concurrent callers that each wait for their record, as 20 SMTP sessions do; batches stay small
 * (3-4 records), so the per-transaction cost (BEGIN, chain head, COMMIT) shows. Baseline in the same
 * run: the same rows inserted with a raw prepared better-sqlite3 statement, one transaction per batch
 * of the same size, on another connection to the same file.
 *
 *   npm run build && node dist/bench/audit/append-path.bench.js [--records 40000] [--callers 20]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { buildApp } from '../../src/app.js';
import type { AuditRecordInput } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { removeDataDir } from '../bench-data-dir.js';
import { sized, smoke, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: sized(40_000, 400) },
    callers: { type: 'string', default: sized(20, 4) },
    ...smokeOption,
  },
});
const RECORDS = Number(values.records);
const CALLERS = Number(values.callers);

const send = (index: number): AuditRecordInput => ({
  operation: 'Send',
  result: 'success',
  mailbox: `user${index % 100}@example.org`,
  actor: `user${index % 100}@example.org`,
  logonType: 'owner',
  clientIp: '192.0.2.10',
  protocol: 'smtp',
  clientInfo: 'ehlo:client.example.org',
  sessionId: `session-${index}`,
  messageId: `<${index}@example.org>`,
  subject: `Quarterly report ${index}`,
  details: {
    from: `user${index % 100}@example.org`,
    recipientCount: 2,
    recipients: ['a@x.test', 'b@y.test'],
    sizeBytes: 2048,
    delivery: '250 2.0.0 Ok: queued',
    policy: 'default',
    policyVersion: 1,
    spamScore: 0.4,
    spamFindings: [],
  },
});

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mw-bench-audit-append-'));
  const loaded = loadConfig({ env: {}, overrides: { 'data.dir': dataDir } });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const app = await buildApp(loaded.config, { logger: silentLogger });
  try {
    for (let i = 0; i < (smoke ? 200 : 2000); i++) await app.audit.append(send(i));
    let next = 0;
    let transactions = 0;
    const original = app.store.writeTransaction.bind(app.store);
    app.store.writeTransaction = (work) => {
      transactions += 1;
      return original(work);
    };
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < RECORDS) await app.audit.append(send(next++));
      }),
    );
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const perRecordUs = (cpu.user + cpu.system) / RECORDS;
    const batch = RECORDS / transactions;

    // Baseline: the same rows, raw, one transaction per batch of the same size.
    const rows = await app.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('session_id', 'like', 'session-%')
      .orderBy('id')
      .limit(RECORDS)
      .execute();
    const raw = new SqliteDatabase(path.join(dataDir, 'mailwarden.sqlite'));
    raw.pragma('synchronous = NORMAL');
    raw.pragma('cache_size = -65536'); // as the store's connection
    for (const { sql } of raw
      .prepare(
        "select sql from sqlite_master where tbl_name = 'audit_log' and type in ('table', 'index') and sql is not null order by type desc",
      )
      .all() as Array<{ sql: string }>)
      raw.exec(sql.replace(/\baudit_log\b/g, 'audit_log_raw').replace(/INDEX (\w+)/, 'INDEX raw_$1'));
    const columns = Object.keys(rows[0]!);
    const insert = raw.prepare(
      `insert into audit_log_raw (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
    );
    const write = raw.transaction((chunk: typeof rows) => {
      for (const row of chunk) insert.run(...Object.values(row));
    });
    const size = Math.max(1, Math.round(batch));
    const rawCpu0 = process.cpuUsage();
    for (let start = 0; start < rows.length; start += size) write(rows.slice(start, start + size));
    const rawCpu = process.cpuUsage(rawCpu0);
    raw.close();
    const rawPerRecordUs = (rawCpu.user + rawCpu.system) / rows.length;
    console.log(
      `audit.append, ${CALLERS} callers: ${(RECORDS / wall).toFixed(0)} records/s, ${batch.toFixed(1)} records per transaction, ` +
        `${perRecordUs.toFixed(0)} µs CPU per record; raw prepared INSERT in the same batches: ${rawPerRecordUs.toFixed(0)} µs CPU per record`,
    );
  } finally {
    await app.close();
    removeDataDir(dataDir);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
