import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { AuditLog, AuditRecordInput, IngestStep } from '../../src/audit/index.js';
import { sealRecord } from '../../src/audit/index.js';
import { decodeSteps, encodeSteps, ingestOnThread } from '../../src/audit/ingest-writer.js';
import { addUser, createTestApp, storeKinds } from '../support/test-app.js';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);

function access(mailbox: string, uid: number, over: Partial<AuditRecordInput> = {}): IngestStep {
  return {
    kind: 'record',
    record: {
      timeMs: T0 + uid,
      input: {
        operation: 'Copy',
        result: 'success',
        mailbox,
        actor: mailbox,
        logonType: 'owner',
        protocol: 'imap',
        sessionId: `session-${mailbox}`,
        folder: 'INBOX',
        destinationFolder: 'Archive',
        itemIds: [String(uid)],
        details: { command: 'UID COPY', note: 'line\nbreak "quoted" \u00e9\u{1f4e7}' },
        ...over,
      },
    },
  };
}

const sealed = (step: IngestStep): IngestStep =>
  step.kind === 'record' ? { kind: 'sealed', record: sealRecord(step.record) } : step;

/** The UIDs of the Copy records in the log, newest first. */
async function copiedUids(audit: AuditLog): Promise<Array<string | undefined>> {
  const { records } = await audit.search({ operations: ['Copy'] });
  return records.map((record) => record.itemIds?.[0]);
}

/** What the gateway appends on the main thread meanwhile. */
const gatewayLogin: AuditRecordInput = {
  operation: 'MailboxLogin',
  result: 'success',
  mailbox: 'gateway@example.org',
  actor: 'gateway@example.org',
  logonType: 'owner',
  protocol: 'smtp',
};

/** A step whose record the database refuses (audit_log.operation is NOT NULL). */
const refusedByTheDatabase = (): IngestStep => access('alice@example.org', 999, { operation: null as never });

describe('ingest steps as they cross to the ingest thread', () => {
  test('encoding and decoding keeps every step, sealed records to the same stored text', () => {
    const steps: IngestStep[] = [
      sealed(access('alice@example.org', 1)),
      access('bob@example.org', 2, { details: null, itemIds: null }),
      {
        kind: 'activity',
        activity: {
          operation: 'MailItemsAccessed',
          sessionId: 's1',
          folder: 'INBOX',
          mailbox: 'alice@example.org',
          actor: 'alice@example.org',
          logonType: 'owner',
          itemIds: ['3', '4'],
          timeMs: T0,
        },
      },
      { kind: 'close-session', sessionId: 's1', timeMs: T0 + 5 },
      sealed(access('carol@example.org', 5, { subject: 'Ünïcode\r\n\u2028subject' })),
    ];
    const decoded = decodeSteps(encodeSteps(steps));
    assert.deepEqual(decoded, steps);
    assert.deepEqual(decodeSteps(encodeSteps([])), []);
  });
});

for (const kind of storeKinds) {
  describe(`ingest jobs on ${kind}`, () => {
    test('the chain stays whole while ingest jobs and the main thread’s appends commit at the same time', async () => {
      const harness = await createTestApp(kind);
      try {
        const { audit } = harness.app;
        const work: Promise<void>[] = [];
        for (let job = 0; job < 20; job++) {
          work.push(
            audit.ingest(
              Array.from({ length: 50 }, (_, index) =>
                sealed(access(`user${index % 7}@example.org`, job * 50 + index)),
              ),
              { cursor: { source: 'test', position: String(job) } },
            ),
          );
          for (let append = 0; append < 5; append++) work.push(audit.append(gatewayLogin));
        }
        await Promise.all(work);
        const verified = await audit.verify();
        assert.equal(verified.ok, true, JSON.stringify(verified));
        const counts = await audit.countByOperation({});
        assert.equal(counts['Copy'], 1000);
        assert.equal(counts['MailboxLogin'], 100);
        assert.equal(await audit.ingestCursor('test'), '19');
      } finally {
        await harness.cleanup();
      }
    });

    test('a job written while an earlier one was in flight commits only if that one did', async () => {
      const harness = await createTestApp(kind);
      try {
        const { audit } = harness.app;
        await audit.ingest([sealed(access('alice@example.org', 1))], {
          cursor: { source: 'test', position: 'a' },
        });
        // Both written before either is settled, as the Dovecot spool's drain does.
        const failing = audit.ingest([refusedByTheDatabase()], { cursor: { source: 'test', position: 'b' } });
        const after = audit.ingest([sealed(access('alice@example.org', 3))], {
          cursor: { source: 'test', position: 'c' },
        });
        const [first, second] = await Promise.allSettled([failing, after]);
        assert.equal(first.status, 'rejected');
        assert.equal(second.status, 'rejected', 'the later job must not commit past the failed one');
        assert.equal(await audit.ingestCursor('test'), 'a');
        assert.equal((await audit.search({ operations: ['Copy'] })).records.length, 1);

        // Written again after the failure was seen, in order: both commit.
        await audit.ingest([sealed(access('alice@example.org', 2))], {
          cursor: { source: 'test', position: 'b' },
        });
        await audit.ingest([sealed(access('alice@example.org', 3))], {
          cursor: { source: 'test', position: 'c' },
        });
        assert.equal(await audit.ingestCursor('test'), 'c');
        assert.deepEqual(await copiedUids(audit), ['3', '2', '1']);
        assert.equal((await audit.verify()).ok, true);
      } finally {
        await harness.cleanup();
      }
    });

    test('a mailbox’s auditing turned off applies to the very next ingest job', async () => {
      const harness = await createTestApp(kind);
      try {
        const { audit } = harness.app;
        await addUser(harness.app, 'alice@example.org');
        const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
        // A first job, so that a writer that caches the settings has them cached.
        await audit.ingest([sealed(access('alice@example.org', 1))]);
        assert.equal((await audit.setMailboxAudit('alice@example.org', false, admin)).ok, true);
        await audit.ingest([sealed(access('alice@example.org', 2))]);
        assert.equal((await audit.setMailboxAudit('alice@example.org', true, admin)).ok, true);
        await audit.ingest([sealed(access('alice@example.org', 3))]);
        assert.deepEqual(await copiedUids(audit), ['3', '1']);
      } finally {
        await harness.cleanup();
      }
    });
  });
}

describe('the SQLite ingest thread', () => {
  test('a main-thread write waits for the ingest transaction in flight, not for the ingest thread’s whole backlog', async () => {
    const harness = await createTestApp('sqlite');
    try {
      const { audit } = harness.app;
      const JOBS = 12;
      const PER_JOB = 4000;
      let committedJobs = 0;
      const jobs = Array.from({ length: JOBS }, (_, job) =>
        audit
          .ingest(
            Array.from({ length: PER_JOB }, (_, index) =>
              sealed(access(`user${index % 50}@example.org`, job * PER_JOB + index)),
            ),
          )
          .then(() => {
            committedJobs += 1;
          }),
      );
      await jobs[0];
      // Into the middle of the next transaction, away from the moment the thread's reply arrives
      // (right after a commit, when the lock happens to be free).
      await new Promise((resolve) => setTimeout(resolve, 15));
      const jobsBefore = committedJobs;
      await audit.append(gatewayLogin);
      const jobsPassed = committedJobs - jobsBefore;
      await Promise.all(jobs);
      // The login is committed after the transaction that held the lock when it asked (and, at worst,
      // the one whose reply was still on its way); a writer that lost every race would see many pass.
      assert.ok(jobsPassed <= 2, `${jobsPassed} ingest transactions committed while the login waited`);
      assert.ok(committedJobs === JOBS && (await audit.verify()).ok);
    } finally {
      await harness.cleanup();
    }
  });

  test('a thread ended in the middle of a transaction leaves the database writable and nothing of its work', async () => {
    const harness = await createTestApp('sqlite');
    try {
      // What ingestOnThread's close() falls back to (terminate) when a transaction does not end.
      const thread = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const Database = require(workerData.module);
         const db = new Database(workerData.file);
         db.exec('BEGIN IMMEDIATE');
         db.prepare("INSERT INTO meta (key, value) VALUES ('half-done', 'x')").run();
         parentPort.postMessage('in transaction');
         setInterval(() => {}, 1000);`,
        {
          eval: true,
          workerData: {
            module: createRequire(import.meta.url).resolve('better-sqlite3'),
            file: harness.app.store.location,
          },
        },
      );
      await new Promise((resolve) => thread.once('message', resolve));
      await thread.terminate();
      await harness.app.audit.append(gatewayLogin);
      const row = await harness.app.store.db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', 'half-done')
        .executeTakeFirst();
      assert.equal(row, undefined);
      assert.equal((await harness.app.audit.verify()).ok, true);
    } finally {
      await harness.cleanup();
    }
  });

  test('stops when idle and starts again for the next job; close() waits for what is in flight', async () => {
    const harness = await createTestApp('sqlite');
    try {
      const { audit } = harness.app;
      // The app's audit log has its own thread; this one shares the database file, as it would.
      const writer = ingestOnThread({
        connection: harness.app.store.secondConnection!,
        idleStopMs: 20,
      });
      assert.equal(writer.threadRunning(), false, 'started by the first job, not before');
      assert.equal(writer.checkpointsRunning(), false, 'the WAL checkpointer runs with the thread');
      await writer.write({ steps: [sealed(access('alice@example.org', 1))] });
      assert.equal(writer.threadRunning(), true);
      assert.equal(writer.checkpointsRunning(), true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(writer.threadRunning(), false, 'stopped after the idle time');
      assert.equal(writer.checkpointsRunning(), false, 'and its checkpointer with it');
      await writer.write({ steps: [sealed(access('alice@example.org', 2))] });
      const last = writer.write({ steps: [sealed(access('alice@example.org', 3))] });
      await writer.close();
      await last;
      assert.equal(writer.threadRunning(), false);
      assert.equal(writer.checkpointsRunning(), false);
      await writer.write({ steps: [sealed(access('alice@example.org', 4))] });
      await writer.close();
      assert.deepEqual(await copiedUids(audit), ['4', '3', '2', '1']);
      assert.equal((await audit.verify()).ok, true);
    } finally {
      await harness.cleanup();
    }
  });
});
