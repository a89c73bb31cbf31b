import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { runMailwarden } from '../support/cli-process.js';
import { createPostgresDatabase, makeTempDir, storeKinds, testConfig } from '../support/test-app.js';

/**
 * The attack from outside Mailwarden (the sqlite3 shell, psql): drop the append-only guard and
 * remove the newest records.
 */
async function cutNewest(
  target: { sqliteFile: string } | { postgresUrl: string },
  count: number | 'all',
): Promise<void> {
  const condition = count === 'all' ? '' : `where id > (select max(id) - ${count} from audit_log)`;
  if ('sqliteFile' in target) {
    const database = new SqliteDatabase(target.sqliteFile);
    try {
      database.exec('drop trigger if exists audit_log_no_delete');
      database.exec(`delete from audit_log ${condition}`);
    } finally {
      database.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: target.postgresUrl });
  await client.connect();
  try {
    await client.query('drop trigger if exists audit_log_no_change on audit_log');
    await client.query(`delete from audit_log ${condition}`);
  } finally {
    await client.end();
  }
}

for (const kind of storeKinds) {
  describe(`mailwarden audit verify with anchors on ${kind} (the built executable)`, () => {
    const temp = makeTempDir('mailwarden-anchors-cli-');
    const dataDir = path.join(temp.dir, 'data');
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
    const env: Record<string, string> = { MAILWARDEN_DATA_DIR: dataDir };
    const cli = (args: string[], input?: string) => runMailwarden(args, { env, input });
    const target = () =>
      postgres ? { postgresUrl: postgres.url } : { sqliteFile: path.join(dataDir, 'mailwarden.sqlite') };

    before(async () => {
      if (kind === 'postgres') {
        postgres = await createPostgresDatabase();
        env['MAILWARDEN_DATABASE_URL'] = postgres.url;
      }
      for (const domain of ['example.org', 'example.net', 'example.com']) {
        const added = await cli(['domain', 'add', domain]);
        assert.equal(added.code, 0, added.stderr);
      }
    });
    after(async () => {
      await postgres?.drop();
      temp.remove();
    });

    test('each command that writes records anchors them as it closes, and verify agrees', async () => {
      const lines = readFileSync(path.join(dataDir, 'audit-anchors.jsonl'), 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 3, 'one anchor per command');
      assert.match(lines[2]!, /"headId":3,/);
      const intact = await cli(['audit', 'verify']);
      assert.equal(intact.code, 0, intact.stderr);
      assert.match(
        intact.stdout,
        /audit chain intact: 3 records, .*; 3 anchors agree, the newest of .* \(record 3\)/,
      );
    });

    test('a cut of the newest record exits 3 and names it; the next command alerts, and verify still names it', async () => {
      await cutNewest(target(), 1);
      const cut = await cli(['audit', 'verify']);
      assert.equal(cut.code, 3, cut.stdout);
      assert.match(
        cut.stderr,
        /AUDIT CHAIN BROKEN at record 3 \(cut\): records 3…3 missing after the anchor of \d{4}-/,
      );
      // The next command that writes a record compares the head with the anchor before it anchors.
      const next = await cli(['domain', 'add', 'example.info']);
      assert.equal(next.code, 0, next.stderr);
      const alerts = await cli(['alerts', 'list', '--json']);
      const listed = JSON.parse(alerts.stdout) as Array<{ type: string; severity: string }>;
      assert.ok(
        listed.some((alert) => alert.type === 'audit-log-cut' && alert.severity === 'high'),
        alerts.stdout,
      );
      const still = await cli(['audit', 'verify', '--json']);
      assert.equal(still.code, 3);
      const outcome = JSON.parse(still.stdout);
      assert.equal(outcome.problem, 'cut');
      assert.equal(outcome.brokenAtId, 3);
      assert.match(
        outcome.detail,
        /^records 3…3 missing after the anchor of .*; records 3…3 now in the log were written after it/,
      );
    });

    test('a forged anchor line exits 3 as tampered anchors', async () => {
      appendFileSync(
        path.join(dataDir, 'audit-anchors.jsonl'),
        `${JSON.stringify({
          anchor: 'mailwarden-audit-anchor-v1',
          at: new Date().toISOString(),
          headId: 1,
          headHash: '0'.repeat(64),
          mac: 'cd'.repeat(32),
        })}\n`,
      );
      const forged = await cli(['audit', 'verify']);
      assert.equal(forged.code, 3);
      assert.match(
        forged.stderr,
        /AUDIT ANCHORS TAMPERED \(bad-anchor\): line \d+ of the anchor file .* does not carry a valid signature/,
      );
    });
  });

  describe(`mailwarden audit verify names a cut of 50 records and of every record on ${kind}`, () => {
    const temp = makeTempDir('mailwarden-anchors-cli-');
    const dataDir = path.join(temp.dir, 'data');
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
    const env: Record<string, string> = { MAILWARDEN_DATA_DIR: dataDir };
    const cli = (args: string[]) => runMailwarden(args, { env });
    const target = () =>
      postgres ? { postgresUrl: postgres.url } : { sqliteFile: path.join(dataDir, 'mailwarden.sqlite') };
    before(async () => {
      if (kind === 'postgres') {
        postgres = await createPostgresDatabase();
        env['MAILWARDEN_DATABASE_URL'] = postgres.url;
      }
    });
    after(async () => {
      await postgres?.drop();
      temp.remove();
    });

    test('a cut of the newest 50 records, and of every record, exits 3 and names them', async () => {
      // Sixty records written by the application itself, anchored as it closes.
      const app = await buildApp(testConfig({ dataDir, databaseUrl: postgres?.url ?? null }), {
        logger: silentLogger,
      });
      for (let index = 1; index <= 60; index++)
        await app.audit.append({
          operation: 'MailboxLogin',
          result: 'success',
          mailbox: 'alice@example.org',
          actor: 'alice@example.org',
          logonType: 'owner',
        });
      await app.close();
      const head = JSON.parse((await cli(['audit', 'verify', '--json'])).stdout);
      assert.ok(head.ok, JSON.stringify(head));
      const newest = head.headId as number;
      await cutNewest(target(), 50);
      const fifty = await cli(['audit', 'verify']);
      assert.equal(fifty.code, 3);
      assert.match(
        fifty.stderr,
        new RegExp(`\\(cut\\): records ${newest - 49}…${newest} missing after the anchor of `),
      );
      await cutNewest(target(), 'all');
      const everything = await cli(['audit', 'verify']);
      assert.equal(everything.code, 3);
      assert.match(
        everything.stderr,
        new RegExp(`\\(cut\\): records 1…${newest} missing after the anchor of `),
      );
    });
  });
}
