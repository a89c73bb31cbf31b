import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { App } from '../../src/app.js';
import { buildApp } from '../../src/app.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startServer } from '../../src/server.js';
import type { Executor } from '../../src/store/index.js';
import { createTestApp, makeTempDir, type StoreKind, storeKinds, testConfig } from '../support/test-app.js';

const RECORDS = 60;
const T0 = Date.UTC(2026, 5, 1, 12);
const system = { actor: 'system', logonType: 'system' as const };
type ManualClock = ReturnType<typeof createManualClock>;

export function anchorFileOf(app: App): string {
  return path.join(app.config.data.dir, 'audit-anchors.jsonl');
}

/** What an attacker with database access does first: drop the append-only guard of audit_log. */
export async function dropAuditGuards(kind: StoreKind, db: Executor): Promise<void> {
  if (kind === 'sqlite') {
    await sql`drop trigger audit_log_no_update`.execute(db);
    await sql`drop trigger audit_log_no_delete`.execute(db);
  } else {
    await sql`drop trigger audit_log_no_change on audit_log`.execute(db);
    await sql`drop trigger audit_log_no_truncate on audit_log`.execute(db);
  }
}

/**
 * Removes the records after `keepThrough` as an attacker would: on SQLite through a connection of its
 * own (the sqlite3 shell), which the running writer notices by PRAGMA data_version.
 */
async function cutAfter(kind: StoreKind, app: App, keepThrough: number): Promise<void> {
  if (kind === 'postgres') {
    await app.store.db.deleteFrom('audit_log').where('id', '>', keepThrough).execute();
    return;
  }
  const attacker = new SqliteDatabase(path.join(app.config.data.dir, 'mailwarden.sqlite'));
  try {
    attacker.prepare('delete from audit_log where id > ?').run(keepThrough);
  } finally {
    attacker.close();
  }
}

async function appendLogins(app: App, clock: ManualClock, count: number, label: string) {
  for (let index = 1; index <= count; index++) {
    clock.advanceMs(1000);
    await app.audit.append({
      operation: 'MailboxLogin',
      result: 'success',
      mailbox: 'alice@example.org',
      actor: 'alice@example.org',
      logonType: 'owner',
      subject: `${label} ${index}`,
    });
  }
}

/**
 * Sixty records, anchored after every ten (as the server's minute timer would while they arrive);
 * then the append-only guard is dropped and `attack` runs; returns what verify says.
 */
async function withAnchoredLog(
  kind: StoreKind,
  attack: (app: App, clock: ManualClock) => Promise<void>,
  check: (outcome: Awaited<ReturnType<App['audit']['verify']>>, app: App) => Promise<void> | void,
) {
  const clock = createManualClock(T0);
  const harness = await createTestApp(kind, { clock });
  try {
    const { app } = harness;
    for (let batch = 0; batch < RECORDS / 10; batch++) {
      await appendLogins(app, clock, 10, `batch ${batch}`);
      clock.advanceMs(1000);
      const anchored = await app.audit.anchors.anchorHead();
      assert.equal(anchored.written, true, 'a moved head is anchored');
    }
    const intact = await app.audit.verify();
    assert.ok(intact.ok, JSON.stringify(intact));
    await dropAuditGuards(kind, app.store.db);
    clock.advanceMs(60_000);
    await attack(app, clock);
    await check(await app.audit.verify(), app);
  } finally {
    await harness.cleanup();
  }
}

/** The anchor of the newest record was made after the sixth batch: at T0 + 6 × 11 s. */
const NEWEST_ANCHOR_AT = new Date(T0 + 6 * 11_000).toISOString();

function assertCut(
  outcome: Awaited<ReturnType<App['audit']['verify']>>,
  firstMissing: number,
  lastMissing: number,
) {
  assert.equal(outcome.ok, false, 'verify reports the log as cut');
  if (outcome.ok) return;
  assert.equal(outcome.problem, 'cut', outcome.detail);
  assert.equal(outcome.brokenAtId, firstMissing, outcome.detail);
  assert.ok(
    outcome.detail.startsWith(
      `records ${firstMissing}…${lastMissing} missing after the anchor of ${NEWEST_ANCHOR_AT}`,
    ),
    outcome.detail,
  );
}

for (const kind of storeKinds) {
  describe(`audit anchors on ${kind}`, () => {
    test('an intact anchored log verifies and names its newest anchor; an unchanged head is not anchored twice', async () => {
      await withAnchoredLog(
        kind,
        async (app) => {
          assert.deepEqual(await app.audit.anchors.anchorHead(), { written: false, reason: 'unchanged' });
        },
        (outcome) => {
          assert.ok(outcome.ok, JSON.stringify(outcome));
          assert.equal(outcome.recordsChecked, RECORDS);
          assert.deepEqual(outcome.anchors, {
            checked: RECORDS / 10,
            throughId: RECORDS,
            newestAt: NEWEST_ANCHOR_AT,
          });
        },
      );
    });

    test('cutting the newest record is named as records 60…60 missing after the last anchor', async () => {
      await withAnchoredLog(
        kind,
        (app) => cutAfter(kind, app, RECORDS - 1),
        (outcome) => assertCut(outcome, RECORDS, RECORDS),
      );
    });

    test('cutting the newest 50 records is named as records 11…60 missing', async () => {
      await withAnchoredLog(
        kind,
        async (app) => {
          await sql`delete from audit_log where id > (select max(id) - 50 from audit_log)`.execute(
            app.store.db,
          );
        },
        (outcome) => assertCut(outcome, 11, RECORDS),
      );
    });

    test('deleting every record is named as records 1…60 missing', async () => {
      await withAnchoredLog(
        kind,
        (app) => app.store.db.deleteFrom('audit_log').execute().then(),
        (outcome) => assertCut(outcome, 1, RECORDS),
      );
    });

    test('records appended after a cut, anchored or not, do not hide it', async () => {
      await withAnchoredLog(
        kind,
        async (app, clock) => {
          await cutAfter(kind, app, 10);
          // The application goes on: new records chain onto record 10 and take ids 11…15.
          await appendLogins(app, clock, 5, 'after the cut');
        },
        (outcome) => {
          assertCut(outcome, 11, RECORDS);
          assert.ok(!outcome.ok && /records 11…15 now in the log were written after it/.test(outcome.detail));
        },
      );
      // Even once the shortened log was anchored and grew past the old head.
      await withAnchoredLog(
        kind,
        async (app, clock) => {
          await cutAfter(kind, app, 10);
          await appendLogins(app, clock, 5, 'after the cut');
          await app.audit.anchors.anchorHead();
          await appendLogins(app, clock, 60, 'much later');
          await app.audit.anchors.anchorHead();
        },
        (outcome) => {
          assertCut(outcome, 11, RECORDS);
          assert.ok(!outcome.ok && /records 11…60 now in the log were written after it/.test(outcome.detail));
        },
      );
    });

    test('a forged anchor line and an altered one are refused as bad-anchor', async () => {
      await withAnchoredLog(
        kind,
        async (app) => {
          // Whoever rewrites the database also claims an earlier head in the anchor file.
          await app.store.db.deleteFrom('audit_log').where('id', '>', 50).execute();
          const [last] = await app.store.db
            .selectFrom('audit_log')
            .select(['id', 'hash'])
            .orderBy('id', 'desc')
            .limit(1)
            .execute();
          appendFileSync(
            anchorFileOf(app),
            `${JSON.stringify({
              anchor: 'mailwarden-audit-anchor-v1',
              at: new Date().toISOString(),
              headId: last!.id,
              headHash: last!.hash,
              mac: 'ab'.repeat(32),
            })}\n`,
          );
        },
        (outcome) => {
          assert.equal(outcome.ok, false);
          if (outcome.ok) return;
          assert.equal(outcome.problem, 'bad-anchor');
          assert.equal(outcome.brokenAtId, 50);
          assert.match(outcome.detail, /line 7 of the anchor file .* does not carry a valid signature/);
        },
      );
      await withAnchoredLog(
        kind,
        async (app) => {
          await app.store.db.deleteFrom('audit_log').where('id', '>', 50).execute();
          const file = anchorFileOf(app);
          // Root lifts the append-only flag first (where this test could set it).
          spawnSync('chattr', ['-a', file]);
          // The newest line rewritten to name record 50 instead of 60.
          const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
          lines[5] = lines[5]!.replace('"headId":60', '"headId":50');
          writeFileSync(file, `${lines.join('\n')}\n`);
        },
        (outcome) => {
          assert.ok(!outcome.ok && outcome.problem === 'bad-anchor', JSON.stringify(outcome));
          assert.match(outcome.detail, /line 6 of the anchor file/);
        },
      );
    });

    test('records removed by retention behind a checkpoint are not a cut', async () => {
      const clock = createManualClock(T0);
      const harness = await createTestApp(kind, { clock });
      try {
        const { app } = harness;
        const DAY = 86_400_000;
        for (let day = 0; day < 20; day++) {
          clock.setMs(T0 + day * DAY);
          await appendLogins(app, clock, 1, `day ${day}`);
          // An anchor a day: some of them name records that retention removes below.
          await app.audit.anchors.anchorHead();
        }
        clock.setMs(T0 + 100 * DAY);
        const pruned = await app.audit.prune({ retentionDays: 90, actor: system });
        assert.equal(pruned.throughId, 10);
        assert.ok((await app.audit.verify()).ok, 'verifies right after pruning');
        assert.equal((await app.audit.anchors.checkHead()).ok, true, 'the head did not move backwards');
        await app.audit.anchors.anchorHead();
        const verified = await app.audit.verify();
        assert.ok(verified.ok, JSON.stringify(verified));
        assert.equal(verified.anchors.throughId, 21, 'the prune record itself was anchored');
      } finally {
        await harness.cleanup();
      }
    });

    test('the running server raises one high alert and records DetectAuditLogCut when the head moved backwards', async () => {
      const harness = await createTestApp(kind, {
        overrides: {
          'smtp.enabled': false,
          'smtps.enabled': false,
          'http.enabled': false,
          'policy.enabled': false,
          'score.dailySnapshot': false,
          'audit.anchorIntervalSeconds': 1,
        },
      });
      const { app } = harness;
      const server = await startServer(app);
      try {
        await appendLogins(app, createManualClock(Date.now()), 20, 'before');
        await eventually('the server anchored record 20', () => {
          try {
            return readFileSync(anchorFileOf(app), 'utf8').includes('"headId":20,');
          } catch {
            return false; // the server's first tick found no record yet: no file
          }
        });
        await dropAuditGuards(kind, app.store.db);
        await cutAfter(kind, app, 10);
        const cutAlerts = async () =>
          (await app.alerts.list()).filter((alert) => alert.type === 'audit-log-cut');
        await eventually('the cut is alerted', async () => (await cutAlerts()).length > 0);
        const [alert] = await cutAlerts();
        assert.equal(alert!.severity, 'high');
        assert.equal(alert!.evidence['firstMissingId'], 11);
        assert.equal(alert!.evidence['anchoredHeadId'], 20);
        assert.equal(alert!.evidence['headId'], 10);
        // Two more ticks: the shortened head was anchored with the record of the cut, so no repeat.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        const after = await cutAlerts();
        assert.equal(after.length, 1);
        assert.equal(after[0]!.count, 1, 'raised once');
        const recorded = await app.audit.search({ operations: ['DetectAuditLogCut'], limit: 10 });
        assert.equal(recorded.records.length, 1);
        assert.equal(recorded.records[0]!.id, 11, 'chained onto what the cut left');
        assert.equal(recorded.records[0]!.details?.['firstMissingId'], 11);
        // And verify, for ever after, names what was cut.
        const verified = await app.audit.verify();
        assert.ok(
          !verified.ok && verified.problem === 'cut' && verified.brokenAtId === 11,
          JSON.stringify(verified),
        );
        assert.match(verified.detail, /^records 11…20 missing after the anchor of /);
      } finally {
        await server.stop();
        await harness.cleanup();
      }
    });
  });
}

describe('the anchor file', () => {
  test('is made append-only where the file system and privileges allow, and the log says whether it is; its key is 0600', async () => {
    const temp = makeTempDir();
    const logged: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      level: 'info',
      sink: { write: (line: string) => logged.push(JSON.parse(line)) },
    });
    const app = await buildApp(testConfig({ dataDir: temp.dir }), { logger });
    try {
      await appendLogins(app, createManualClock(T0), 3, 'record');
      assert.equal((await app.audit.anchors.anchorHead()).written, true);
      const file = anchorFileOf(app);
      const key = path.join(temp.dir, 'keys', 'audit-anchor.key');
      assert.equal(statSync(key).mode & 0o777, 0o600, 'the anchor key is readable by its owner only');
      const said = logged.find((entry) =>
        /audit anchor file (is|is not) append-only/.test(String(entry['msg'])),
      );
      assert.ok(said, 'the log says whether the file is append-only');
      const attributes = spawnSync('lsattr', ['-d', file], { encoding: 'utf8' });
      const appendOnly = attributes.status === 0 && /^\S*a\S*\s/.test(attributes.stdout);
      assert.equal(said['level'], appendOnly ? 'info' : 'warn');
      if (appendOnly) {
        // Then not even root rewrites or truncates it, while appends go on.
        assert.throws(() => writeFileSync(file, ''), /EPERM|operation not permitted/i);
        await appendLogins(app, createManualClock(T0 + 10_000), 1, 'more');
        assert.equal((await app.audit.anchors.anchorHead()).written, true);
        assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 2);
      }
    } finally {
      await app.close();
      temp.remove();
    }
  });
  test('every anchor line is also POSTed to the configured webhook, and a webhook that is down loses nothing', async () => {
    const received: string[] = [];
    const collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    const temp = makeTempDir();
    const logged: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      level: 'warn',
      sink: { write: (line: string) => logged.push(JSON.parse(line)) },
    });
    const app = await buildApp(
      testConfig({
        dataDir: temp.dir,
        overrides: {
          'audit.anchorWebhookUrl': `http://127.0.0.1:${port}/anchors`,
          'audit.anchorSyslog': false,
        },
      }),
      { logger },
    );
    try {
      await appendLogins(app, createManualClock(T0), 2, 'record');
      await app.audit.anchors.anchorHead();
      assert.equal(received.length, 1);
      assert.equal(`${received[0]}\n`, readFileSync(anchorFileOf(app), 'utf8'), 'the same signed line');
      await new Promise<void>((resolve) => collector.close(() => resolve()));
      await appendLogins(app, createManualClock(T0 + 5000), 1, 'record');
      assert.equal((await app.audit.anchors.anchorHead()).written, true, 'the file still gets the anchor');
      assert.ok(
        logged.some((entry) => entry['level'] === 'warn' && /copied to webhook/.test(String(entry['msg']))),
        JSON.stringify(logged),
      );
      assert.ok((await app.audit.verify()).ok);
    } finally {
      collector.close();
      await app.close();
      temp.remove();
    }
  });
});

async function eventually(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
