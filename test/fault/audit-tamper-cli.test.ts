import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { type App, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { NO_DNS_SERVER, runMailwarden } from '../support/cli-process.js';
import { createPostgresDatabase, makeTempDir, type StoreKind, storeKinds } from '../support/test-app.js';

const RECORDS = 8;

/**
 * What an operator sees: `mailwarden audit verify` on a log that someone with database access changed
 * after dropping its append-only guard. (The library's verify() is tested case by case in
 * test/audit/tamper-detection.test.ts; the CLI's report of an altered SQLite record in cli.test.ts.)
 */
async function verifyAfter(kind: StoreKind, attack: (app: App) => Promise<void>) {
  const temp = makeTempDir('mailwarden-tamper-');
  const postgres = kind === 'postgres' ? await createPostgresDatabase() : null;
  const env: Record<string, string> = {
    MAILWARDEN_DATA_DIR: path.join(temp.dir, 'data'),
    MAILWARDEN_DNS_SERVERS: NO_DNS_SERVER,
    ...(postgres ? { MAILWARDEN_DATABASE_URL: postgres.url } : {}),
  };
  try {
    const loaded = loadConfig({ env });
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    const app = await buildApp(loaded.config, { logger: silentLogger });
    try {
      for (let index = 1; index <= RECORDS; index++)
        await app.audit.append({
          operation: 'Send',
          result: 'success',
          mailbox: 'alice@example.org',
          actor: 'alice@example.org',
          logonType: 'owner',
          subject: `record ${index}`,
        });
      if (kind === 'sqlite') {
        await sql`drop trigger audit_log_no_update`.execute(app.store.db);
        await sql`drop trigger audit_log_no_delete`.execute(app.store.db);
      } else {
        await sql`drop trigger audit_log_no_change on audit_log`.execute(app.store.db);
      }
      await attack(app);
    } finally {
      await app.close();
    }
    const result = await runMailwarden(['audit', 'verify', '--json'], { env });
    return {
      ...result,
      report: JSON.parse(result.stdout) as { ok: boolean; brokenAtId?: number; problem?: string },
    };
  } finally {
    await postgres?.drop();
    temp.remove();
  }
}

for (const kind of storeKinds) {
  describe(`mailwarden audit verify names the tampering through the CLI (${kind})`, () => {
    test('a deleted record: exit 3, the record after the gap named as missing', async () => {
      const result = await verifyAfter(kind, async (app) => {
        await app.store.db.deleteFrom('audit_log').where('id', '=', 4).execute();
      });
      assert.equal(result.code, 3, result.stderr);
      assert.deepEqual(
        [result.report.ok, result.report.brokenAtId, result.report.problem],
        [false, 5, 'missing'],
      );
      assert.match(result.stderr, /AUDIT CHAIN BROKEN at record 5 \(missing\): .*expected record 4/);
    });

    test('two records swapped: exit 3, the first of them named', async () => {
      const result = await verifyAfter(kind, async (app) => {
        const rows = await app.store.db
          .selectFrom('audit_log')
          .selectAll()
          .where('id', 'in', [3, 4])
          .orderBy('id')
          .execute();
        await app.store.db.deleteFrom('audit_log').where('id', 'in', [3, 4]).execute();
        await app.store.db
          .insertInto('audit_log')
          .values([
            { ...rows[1]!, id: 3 },
            { ...rows[0]!, id: 4 },
          ])
          .execute();
      });
      assert.equal(result.code, 3, result.stderr);
      assert.equal(result.report.brokenAtId, 3);
      assert.match(result.stderr, /AUDIT CHAIN BROKEN at record 3 \((relinked|altered)\)/);
    });

    if (kind === 'postgres')
      test('an altered record: exit 3, the record named as altered', async () => {
        const result = await verifyAfter(kind, async (app) => {
          await app.store.db
            .updateTable('audit_log')
            .set({ subject: 'nothing to see' })
            .where('id', '=', 6)
            .execute();
        });
        assert.equal(result.code, 3, result.stderr);
        assert.match(result.stderr, /AUDIT CHAIN BROKEN at record 6 \(altered\)/);
      });
  });
}
