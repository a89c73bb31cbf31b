import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../../src/runtime/clock.js';
import { runMailwarden } from '../support/cli-process.js';
import { createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const T0 = Date.UTC(2026, 2, 1);

async function collect(generator: AsyncGenerator<string>): Promise<string> {
  let text = '';
  for await (const chunk of generator) text += chunk;
  return text;
}

for (const kind of storeKinds) {
  describe(`audit export and counts on ${kind}`, () => {
    let harness: TestApp;
    const clock = createManualClock(T0);
    before(async () => {
      harness = await createTestApp(kind, { clock });
      const records = Array.from({ length: 2500 }, (_, index) => ({
        operation: index % 5 === 0 ? ('Move' as const) : ('MailboxLogin' as const),
        result: 'success' as const,
        mailbox: index % 2 === 0 ? 'alice@example.org' : 'bob@example.org',
        actor: 'alice@example.org',
        logonType: 'owner' as const,
        folder: index % 5 === 0 ? 'INBOX' : null,
        destinationFolder: index % 5 === 0 ? 'Archive' : null,
        subject:
          index === 7 ? 'quote "this", and\na line break' : index === 8 ? '=HYPERLINK("http://evil")' : null,
      }));
      await harness.app.store.writeTransaction((trx) => harness.app.audit.appendWithin(trx, records));
    });
    after(() => harness.cleanup());

    test('JSON Lines export holds every matching record once, newest first, across pages', async () => {
      const text = await collect(harness.app.audit.exportText({ mailbox: 'alice@example.org' }, 'jsonl'));
      const ids = text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: number }).id);
      assert.equal(ids.length, 1250);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => b - a),
      );
      assert.equal(new Set(ids).size, 1250);
    });

    test('CSV export quotes per RFC 4180 and disarms spreadsheet formulas', async () => {
      const text = await collect(harness.app.audit.exportText({}, 'csv'));
      const lines = text.split('\r\n');
      assert.equal(
        lines[0],
        'id,time,operation,result,mailbox,actor,logonType,clientIp,protocol,clientInfo,sessionId,folder,destinationFolder,itemIds,messageId,subject,details,hash',
      );
      assert.ok(text.includes('"quote ""this"", and\na line break"'));
      assert.ok(text.includes(`"'=HYPERLINK(""http://evil"")"`));
      assert.equal(text.match(/\r\n/g)?.length, 2501);
    });

    test('filters by folder (source or destination) and counts per operation', async () => {
      const archive = await harness.app.audit.search({ folder: 'Archive', limit: 1000 });
      assert.equal(archive.records.length, 500);
      assert.deepEqual(await harness.app.audit.countByOperation({}), { MailboxLogin: 2000, Move: 500 });
      assert.deepEqual(
        await harness.app.audit.countByOperation({ mailbox: 'bob@example.org', operations: ['Move'] }),
        {
          Move: 250,
        },
      );
    });

    if (kind === 'sqlite')
      test('mailwarden audit export --format csv streams the records to stdout', async () => {
        const result = await runMailwarden(['audit', 'export', '--format', 'csv', '--operation', 'Move'], {
          env: { MAILWARDEN_DATA_DIR: harness.dataDir },
        });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout.trim().split('\r\n').length, 501);
        const counts = await runMailwarden(['audit', 'search', '--counts', '--json'], {
          env: { MAILWARDEN_DATA_DIR: harness.dataDir },
        });
        assert.deepEqual(JSON.parse(counts.stdout), { MailboxLogin: 2000, Move: 500 });
      });
  });
}
