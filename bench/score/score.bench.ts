/**
 * Secure Score speed (issue: < 1 s for all controls of a 100,000-user org, DNS excluded; DNS for 100
 * domains concurrently with a bound).
 *
 * A. Evaluation without DNS: the whole report over an org seeded with --users users (plus admins,
 *    disabled accounts, policies, restrictions, alerts, tokens, deliveries and --audit-records audit
 *    records), with the DNS input answering at once. Baseline in the same run: the same report over
 *    the first 1,000 users (seeded first, measured, then the rest added). Reports reuse the audit
 *    chain walk of the last day; a report with a fresh walk (what the daily and on-demand snapshots
 *    do) is timed too: the walk grows with the audit log, not with users.
 * B. DNS: all six domain checks for --domains domains against a real DNS server on loopback (dns2)
 *    that delays every answer by --dns-delay-ms, and a local HTTPS MTA-STS host; concurrency
 *    score.dnsConcurrency (16) against concurrency 1 (the baseline) in the same run.
 *
 *   npm run build && node dist/bench/score/score.bench.js [--users 100000] [--audit-records 100000] [--domains 100] [--dns-delay-ms 20] [--postgres]
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { App } from '../../src/app.js';
import type { AuditRecordInput } from '../../src/audit/index.js';
import { createScoreInputs } from '../../src/composition/index.js';
import { createDnsChecker } from '../../src/dnscheck/index.js';
import { message } from '../../src/i18n/index.js';
import { createScore, domainCheckNames, type ScoreInputs } from '../../src/score/index.js';
import type { UserTable } from '../../src/store/index.js';
import { startDnsServer, type TestZone } from '../../test/support/dns-server.js';
import { dkimPublicKey, enforcePolicy, goodDomain } from '../../test/support/dns-zones.js';
import { startMtaStsServer } from '../../test/support/mta-sts-server.js';
import { openBenchApp } from '../bench-app.js';
import { removeDataDir } from '../bench-data-dir.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: sized(100_000, 1500) },
    'audit-records': { type: 'string', default: sized(100_000, 500) },
    domains: { type: 'string', default: sized(100, 5) },
    ...smokeOption,
    'dns-delay-ms': { type: 'string', default: '20' },
    postgres: { type: 'boolean', default: false },
  },
});
const USERS = Number(values.users);
const AUDIT_RECORDS = Number(values['audit-records']);
const DOMAINS = Number(values.domains);
const DNS_DELAY_MS = Number(values['dns-delay-ms']);
const BASELINE_USERS = 1000;
const _POSTGRES_ADMIN = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DAY = 86_400_000;

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}

/** Multi-row inserts of at most 200 rows (SQLite caps the variables of one statement). */
async function insertRows(
  app: App,
  table: 'restrictions' | 'alerts' | 'notification_deliveries',
  rows: object[],
) {
  for (let start = 0; start < rows.length; start += 200)
    await app.store.db
      .insertInto(table)
      .values(rows.slice(start, start + 200) as never)
      .execute();
}

async function seedUsers(app: App, from: number, to: number): Promise<void> {
  const now = Date.now();
  for (let start = from; start < to; start += 500) {
    const users: UserTable[] = [];
    for (let i = start; i < Math.min(to, start + 500); i++)
      users.push({
        id: randomUUID(),
        address: `user${i}@d${i % DOMAINS}.bench.test`,
        domain: `d${i % DOMAINS}.bench.test`,
        display_name: null,
        role: i % 20_000 === 0 ? 'admin' : 'user',
        password_hash: null,
        password_changed_at: now,
        disabled_at: i % 50 === 0 ? now : null,
        created_at: now - (i % 400) * DAY,
        updated_at: now,
        mfa_state: i % 3 === 0 ? 'disabled' : 'enabled',
        must_change_password: 0,
        sessions_valid_after: 0,
        mfa_grace_from: null,
        last_sign_in_at: null,
      });
    // One successful sign-in in the last 90 days for two users in three, one app password in ten.
    const signIns = users
      .filter((_, k) => k % 3 !== 0)
      .map((user, k) => ({
        id: randomUUID(),
        at: now - (k % 80) * DAY,
        user_id: user.id,
        login: user.address,
        protocol: 'imap' as const,
        client_ip: '198.51.100.7',
        country: null,
        city: null,
        latitude: null,
        longitude: null,
        client: null,
        result: 'success' as const,
        reason: 'ok',
        credential: 'app-password',
        risk_level: 'none' as const,
        risk_reasons: '[]',
      }));
    const appPasswords = users
      .filter((_, k) => k % 10 === 0)
      .map((user, k) => ({
        id: randomUUID(),
        user_id: user.id,
        name: 'phone',
        scopes: '["imap","smtp"]',
        // Unique, as the column is (a real app password's hash is of 100 random bits).
        secret_hash: createHash('sha256').update(randomUUID()).digest('hex'),
        created_at: now - 200 * DAY,
        created_by: 'bench',
        expires_at: null,
        last_used_at: k % 2 === 0 ? now - DAY : null,
        last_used_ip: null,
        last_used_protocol: null,
        revoked_at: null,
      }));
    await app.store.writeTransaction(async (trx) => {
      await trx.insertInto('users').values(users).execute();
      for (let k = 0; k < signIns.length; k += 100)
        await trx
          .insertInto('sign_ins')
          .values(signIns.slice(k, k + 100))
          .execute();
      if (appPasswords.length > 0) await trx.insertInto('app_passwords').values(appPasswords).execute();
    });
  }
}

async function seedOrg(app: App): Promise<void> {
  const now = Date.now();
  const actor = { actor: 'bench', logonType: 'admin' as const };
  // A sign-in log long enough for the 90-day inactivity control (the default keeps 30 days).
  await app.settings.change({ 'signIns.retentionDays': 180 }, actor);
  for (let i = 0; i < 20; i++)
    await app.outbound.setPolicy(
      `p${i}`,
      { settings: { externalPerHour: 300 + i * 50 }, scope: { groups: [`g${i}`] }, priority: i },
      actor,
    );
  const ids = await app.store.db.selectFrom('users').select('id').limit(500).execute();
  await insertRows(
    app,
    'restrictions',
    ids.map((row, i) => ({
      id: randomUUID(),
      user_id: row.id,
      reason: 'daily-limit',
      policy_name: 'default',
      action: 'restrict' as const,
      since: now - (i % 14) * DAY,
      until: null,
      evidence: '{}',
      released_at: i % 3 === 0 ? now : null,
      released_by: null,
      release_reason: null,
      release_forced: null,
    })),
  );
  await insertRows(
    app,
    'alerts',
    Array.from({ length: 2000 }, (_, i) => ({
      id: randomUUID(),
      type: 'user-restricted',
      severity: i % 2 === 0 ? ('high' as const) : ('medium' as const),
      mailbox: null,
      status: i % 3 === 0 ? ('resolved' as const) : ('new' as const),
      count: 1,
      first_at: now - (i % 30) * DAY,
      last_at: now,
      evidence: '{}',
      updated_by: null,
    })),
  );
  await insertRows(
    app,
    'notification_deliveries',
    Array.from({ length: 5000 }, (_, i) => ({
      id: randomUUID(),
      channel: 'email' as const,
      target: 'admin@d0.bench.test',
      alert_id: null,
      payload: '{}',
      status: i % 10 === 0 ? ('failed' as const) : ('delivered' as const),
      attempts: 1,
      next_attempt_at: null,
      last_error: null,
      created_at: now - (i % 60) * DAY,
      delivered_at: now,
    })),
  );
  for (let i = 0; i < 50; i++) await app.directory.createApiToken({ name: `t${i}`, role: 'auditor' }, actor);
  const record: AuditRecordInput = {
    operation: 'Send',
    result: 'success',
    mailbox: 'user1@d1.bench.test',
    actor: 'user1@d1.bench.test',
    logonType: 'owner',
    clientIp: '198.51.100.7',
    subject: 'quarterly report',
    details: { recipientCount: 3 },
  };
  for (let written = 0; written < AUDIT_RECORDS; written += 2000)
    await app.store.writeTransaction((trx) =>
      app.audit.appendWithin(
        trx,
        Array.from({ length: Math.min(2000, AUDIT_RECORDS - written) }, () => record),
      ),
    );
}

/** The app's real inputs, with the DNS checks answering at once: what "excluding DNS" measures. */
function withoutDns(inputs: ScoreInputs): ScoreInputs {
  return {
    ...inputs,
    dns: {
      check: async (_name, domains) =>
        domains.map((domain) => ({
          domain,
          outcome: 'unknown' as const,
          detail: message('dnscheck.dns.error', { error: 'excluded from this measurement' }),
        })),
    },
  };
}

/** Wraps every input to add up the time spent in it (they run concurrently, so these overlap). */
function timedInputs(inputs: ScoreInputs, spent: Map<string, number>): ScoreInputs {
  const wrapped: Record<string, Record<string, unknown>> = {};
  for (const [group, sources] of Object.entries(inputs))
    wrapped[group] = Object.fromEntries(
      Object.entries(sources as Record<string, (...args: unknown[]) => Promise<unknown>>).map(
        ([name, read]) => [
          name,
          async (...args: unknown[]) => {
            const [ms, value] = await timed(() => read(...args));
            spent.set(`${group}.${name}`, (spent.get(`${group}.${name}`) ?? 0) + ms);
            return value;
          },
        ],
      ),
    );
  return wrapped as unknown as ScoreInputs;
}

async function evaluation(app: App, label: string): Promise<{ report: number; fresh: number }> {
  const spent = new Map<string, number>();
  const inputs = timedInputs(withoutDns(createScoreInputs({ ...app })), spent);
  const score = createScore({ store: app.store, audit: app.audit, clock: app.clock, inputs });
  await score.report({ freshChain: true }); // warm-up; stores the day's chain walk
  const reports: number[] = [];
  const fresh: number[] = [];
  for (let i = 0; i < 5; i++) {
    reports.push((await timed(() => score.report()))[0]);
    fresh.push((await timed(() => score.report({ freshChain: true })))[0]);
  }
  const result = { report: median(reports), fresh: median(fresh) };
  const slowest = [...spent.entries()]
    .filter(([name]) => name !== 'audit.verifyChain')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, ms]) => `${name} ${(ms / 11).toFixed(1)} ms`);
  console.log(
    `${label}: report ${result.report.toFixed(1)} ms (median of 5; the audit chain walk of the day reused), with a fresh chain walk (daily/snapshot) ${result.fresh.toFixed(1)} ms; slowest inputs (mean per report): ${slowest.join(', ')}`,
  );
  return result;
}

async function partA(): Promise<void> {
  const bench = await openBenchApp({
    name: 'score',
    postgres: Boolean(values.postgres),
    overrides: { 'dns.servers': ['127.0.0.1:9'] },
  });
  const { app } = bench;
  try {
    await app.store.db
      .insertInto('domains')
      .values(
        Array.from({ length: DOMAINS }, (_, i) => ({ name: `d${i}.bench.test`, created_at: Date.now() })),
      )
      .execute();
    await seedUsers(app, 0, BASELINE_USERS);
    await seedOrg(app);
    console.log(
      `A. evaluation without DNS (${app.store.dialect}; ${AUDIT_RECORDS} audit records, ${DOMAINS} domains)`,
    );
    const base = await evaluation(app, `   ${BASELINE_USERS} users (baseline)`);
    const t0 = Date.now();
    await seedUsers(app, BASELINE_USERS, USERS);
    console.error(`   (seeded to ${USERS} users in ${Date.now() - t0} ms)`);
    // Table statistics as autovacuum (PostgreSQL) would have them on a running system.
    if (app.store.dialect === 'postgres') await sql`analyze`.execute(app.store.db);
    const full = await evaluation(app, `   ${USERS} users`);
    console.log(
      `   ratio ${USERS}/${BASELINE_USERS} users: report ${(full.report / base.report).toFixed(2)}x, with a fresh chain walk ${(full.fresh / base.fresh).toFixed(2)}x`,
    );
  } finally {
    await bench.close();
  }
}

async function partB(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-bench-dns-'));
  const key = dkimPublicKey('rsa-2048');
  const domains = Array.from({ length: DOMAINS }, (_, i) => `d${i}.bench.test`);
  const zone: TestZone = Object.assign({}, ...domains.map((domain) => goodDomain(domain, 'mail', key)));
  const dns = await startDnsServer(zone, { delayMs: DNS_DELAY_MS });
  const https = await startMtaStsServer(
    Object.fromEntries(domains.map((domain) => [`mta-sts.${domain}`, enforcePolicy(domain)])),
    dir,
  );
  try {
    console.log(
      `B. DNS: all ${domainCheckNames.length} domain checks for ${DOMAINS} domains, every DNS answer delayed ${DNS_DELAY_MS} ms`,
    );
    const results: Record<number, number> = {};
    for (const concurrency of [1, 16]) {
      const checker = createDnsChecker({
        servers: [dns.address],
        timeoutMs: 2000,
        tries: 2,
        concurrency,
        dkimSelectors: ['mail'],
        mtaSts: { port: https.port, extraCa: readFileSync(https.caFile, 'utf8'), timeoutMs: 5000 },
      });
      const before = dns.queries.length;
      const [ms, outcomes] = await timed(() =>
        Promise.all(domainCheckNames.map((name) => checker.check(name, domains))),
      );
      const passes = outcomes.flat().filter((result) => result.outcome === 'pass').length;
      results[concurrency] = ms;
      console.log(
        `   concurrency ${String(concurrency).padStart(2)}: ${ms.toFixed(0)} ms, ${dns.queries.length - before} queries, ${passes}/${outcomes.flat().length} checks pass`,
      );
    }
    console.log(
      `   speed-up ${(results[1]! / results[16]!).toFixed(1)}x; most queries waiting at once at the server: ${dns.maxInFlight()} (bound: 16 checks in flight)`,
    );
  } finally {
    await dns.close();
    await https.close();
    removeDataDir(dir);
  }
}

await partA();
await partB();
