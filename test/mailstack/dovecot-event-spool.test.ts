import assert from 'node:assert/strict';
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { createDovecotEventIngest } from '../../src/mailstack/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { createTestApp, storeKinds } from '../support/test-app.js';

const login = (user: string) =>
  JSON.stringify({
    event: 'auth_request_finished',
    fields: { user, service: 'imap', success: 'yes', session: `s-${user}` },
  });

function ingestFor(app: App, spoolDir: string) {
  return createDovecotEventIngest({
    audit: app.audit,
    clock: systemClock,
    logger: silentLogger,
    trashFolders: [],
    doveadm: null,
    spoolDir,
  });
}

for (const kind of storeKinds) {
  describe(`the Dovecot event spool on ${kind}`, () => {
    test('events accepted but not yet ingested when the process stopped are ingested by the next one, once', async () => {
      const harness = await createTestApp(kind);
      try {
        const spoolDir = path.join(harness.dataDir, 'dovecot-events');
        const first = ingestFor(harness.app, spoolDir);
        for (const user of ['a@example.org', 'b@example.org', 'c@example.org'])
          assert.deepEqual(await first.accept(login(user)), { ok: true, accepted: 1 });
        await first.drained();
        assert.equal((await harness.app.audit.search({ operations: ['MailboxLogin'] })).records.length, 3);

        // What a crash leaves: two lines written (and acknowledged) but never ingested, and a line
        // cut short mid-write (never acknowledged).
        const [file] = readdirSync(spoolDir);
        appendFileSync(
          path.join(spoolDir, file!),
          `${login('d@example.org')}\n${login('e@example.org')}\n{"event":"auth_req`,
        );

        const second = ingestFor(harness.app, spoolDir);
        assert.deepEqual(await second.accept(login('f@example.org')), { ok: true, accepted: 1 });
        await second.drained();
        const mailboxes = (await harness.app.audit.search({ operations: ['MailboxLogin'] })).records
          .map((record) => record.mailbox)
          .reverse();
        assert.deepEqual(
          mailboxes,
          ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => `${name}@example.org`),
        );
        assert.equal(second.counters().backlog, 0);

        // A third start finds nothing left to do.
        const third = ingestFor(harness.app, spoolDir);
        await third.accept(login('g@example.org'));
        await third.drained();
        assert.equal((await harness.app.audit.search({ operations: ['MailboxLogin'] })).records.length, 7);
        assert.ok((await harness.app.audit.verify()).ok);
      } finally {
        await harness.cleanup();
      }
    });

    test('a database that cannot be read at the first request refuses that request (503) only, not every later one', async () => {
      const harness = await createTestApp(kind);
      try {
        let cursorReads = 0;
        const ingest = createDovecotEventIngest({
          audit: {
            ingest: (steps, options) => harness.app.audit.ingest(steps, options),
            // The first read of the ingest position fails, as a database restarting would.
            ingestCursor: (source) =>
              ++cursorReads === 1
                ? Promise.reject(new Error('connection refused'))
                : harness.app.audit.ingestCursor(source),
          },
          clock: systemClock,
          logger: silentLogger,
          trashFolders: [],
          doveadm: null,
          spoolDir: path.join(harness.dataDir, 'dovecot-events'),
        });
        const refused = await ingest.accept(login('a@example.org'));
        assert.equal(refused.ok, false);
        assert.equal(refused.ok === false && refused.code, 'unavailable');
        assert.deepEqual(await ingest.accept(login('b@example.org')), { ok: true, accepted: 1 });
        await ingest.drained();
        const records = (await harness.app.audit.search({ operations: ['MailboxLogin'] })).records;
        assert.deepEqual(
          records.map((record) => record.mailbox),
          ['b@example.org'],
        );
        assert.equal(ingest.counters().failed, 1);
      } finally {
        await harness.cleanup();
      }
    });
  });
}
