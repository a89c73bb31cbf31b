import assert from 'node:assert/strict';
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import type { DovecotEvent } from '../../src/mailstack/dovecot-events/dovecot-event.js';
import { createEventSpool } from '../../src/mailstack/dovecot-events/event-spool.js';
import type { PreparedEvents } from '../../src/mailstack/dovecot-events/prepare-events.js';
import { createDovecotEventIngest } from '../../src/mailstack/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { createTestApp, makeTempDir, storeKinds } from '../support/test-app.js';

const loginRecord = {
  operation: 'MailboxLogin',
  result: 'success',
  mailbox: 'x@example.org',
  actor: 'x@example.org',
  logonType: 'owner',
} as const;

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

    test('a batch the audit log refuses is tried again with the batch in flight behind it, in order, none lost or doubled', async () => {
      const harness = await createTestApp(kind);
      try {
        let calls = 0;
        const ingest = createDovecotEventIngest({
          audit: {
            // The first batch fails in the database (a record it refuses is added to it); the second
            // was handed over before that failure was known.
            ingest: (steps, options) =>
              harness.app.audit.ingest(
                ++calls === 1
                  ? [
                      ...steps,
                      {
                        kind: 'record',
                        record: { timeMs: Date.now(), input: { ...loginRecord, operation: null as never } },
                      },
                    ]
                  : steps,
                options,
              ),
            ingestCursor: (source) => harness.app.audit.ingestCursor(source),
          },
          clock: systemClock,
          logger: silentLogger,
          trashFolders: [],
          doveadm: null,
          spoolDir: path.join(harness.dataDir, 'dovecot-events'),
        });
        // The drain's retry timer does not hold the process open (the server's listener does).
        const keepAlive = setInterval(() => {}, 1000);
        // Three bodies of 3,000 before the drain starts: two batches go out at once.
        const users = Array.from({ length: 9000 }, (_, index) => `u${index}@example.org`);
        for (let body = 0; body < 3; body++)
          assert.equal(
            (
              await ingest.accept(
                users
                  .slice(body * 3000, (body + 1) * 3000)
                  .map(login)
                  .join('\n'),
              )
            ).ok,
            true,
          );
        await ingest.drained();
        clearInterval(keepAlive);
        assert.ok(calls >= 4, `the failed batch and the one behind it were written again (${calls} calls)`);
        const mailboxes: string[] = [];
        for await (const record of harness.app.audit.export({ operations: ['MailboxLogin'] }))
          mailboxes.push(record.mailbox!);
        assert.deepEqual(mailboxes.reverse(), users);
        assert.ok((await harness.app.audit.verify()).ok);
      } finally {
        await harness.cleanup();
      }
    });
  });
}

describe('the Dovecot event spool file', () => {
  test('stays while a batch taken from it is still being written, even once the batches before it are committed', () => {
    const temp = makeTempDir();
    try {
      const prepare = (events: DovecotEvent[]): PreparedEvents => ({
        events: events.length,
        ignored: 0,
        steps: [],
        scripts: [],
      });
      const open = (cursor: string | null) =>
        createEventSpool({ dir: temp.dir, cursor, logger: silentLogger, prepare, maxFileBytes: 1 });
      const spool = open(null);
      spool.append(`${login('a@example.org')}\n`, prepare([{} as DovecotEvent]));
      spool.append(`${login('b@example.org')}\n`, prepare([{} as DovecotEvent]));
      const [first] = spool.take(1);
      const [second] = spool.take(1);
      spool.committed([first!]);
      // The process stops here: b was acknowledged to Dovecot and is not in the audit log yet.
      assert.equal(readdirSync(temp.dir).length, 1, 'the spool file must outlive the batch in flight');
      const restarted = open(first!.position);
      assert.equal(restarted.backlog(), 1);
      assert.deepEqual(restarted.take(10)[0]?.position, second!.position);

      // Once that batch is committed too, the full file goes.
      spool.committed([second!]);
      assert.equal(readdirSync(temp.dir).length, 0);
    } finally {
      temp.remove();
    }
  });
});
