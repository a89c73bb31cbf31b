import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { journalFileOf, UNKNOWN_OUTCOME } from '../../src/outbound/index.js';
import { readJournalFile } from '../../src/outbound/send-journal.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { prepareMailwarden, SENDER, type ServedMailwarden } from '../support/served-mailwarden.js';
import { logLines, prepareWorkers, workerPids } from '../support/served-workers.js';
import { SmtpDialogue, type SmtpResponse } from '../support/smtp-dialogue.js';
import { waitUntil } from '../support/smtp-load.js';
import { createPostgresDatabase, type StoreKind, storeKinds } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';

/**
 * The pre-relay journal (outbound/send-journal.ts) against real processes: a `serve` killed with
 * SIGKILL while the upstream holds its reply to a relayed message, and started again.
 */
for (const kind of storeKinds) {
  describe(`send journal on ${kind}`, () => journalTests(kind));
  describe(`send journal with two workers on ${kind}`, () => workerTests(kind));
}

interface SendRecord {
  operation: string;
  result: string;
  messageId: string | null;
  details: Record<string, unknown> | null;
}

/** Signs in and sends one message; resolves with the reply to its final dot (never, if held). */
async function send(
  served: ServedMailwarden,
  messageId: string,
): Promise<{ reply: Promise<SmtpResponse>; client: SmtpDialogue }> {
  const { client } = await SmtpDialogue.connect(served.ports.smtps, { implicitTls: true });
  const steps = [
    ['EHLO client.test', 250],
    [`AUTH PLAIN ${Buffer.from(`\0${SENDER}\0${served.appPassword}`).toString('base64')}`, 235],
    [`MAIL FROM:<${SENDER}>`, 250],
    ['RCPT TO:<someone@customer.test>', 250],
    ['DATA', 354],
  ] as const;
  for (const [line, code] of steps) {
    const response = await client.command(line);
    assert.equal(response.code, code, `${line.split(' ')[0]}: ${response.lines.join(' ')}`);
  }
  const reply = client.command(
    `From: ${SENDER}\r\nTo: someone@customer.test\r\nSubject: Quarterly figures\r\n` +
      `Message-ID: ${messageId}\r\n\r\nThe figures are attached.\r\n.`,
  );
  // Held replies never come: the test must not fail on the dialogue's own timeout.
  reply.catch(() => undefined);
  return { reply, client };
}

async function sendRecords(served: ServedMailwarden, messageId: string): Promise<SendRecord[]> {
  const exported = await served.cli(['audit', 'export', '--operation', 'Send', '--format', 'jsonl']);
  assert.equal(exported.code, 0, exported.stderr);
  return exported.stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as SendRecord)
    .filter((record) => record.messageId === messageId);
}

async function assertChainVerifies(served: ServedMailwarden): Promise<void> {
  const verify = await served.cli(['audit', 'verify', '--json']);
  assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
  assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);
}

function journalTests(kind: StoreKind): void {
  let served: ServedMailwarden;
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  let database: { url: string; drop(): Promise<void> } | null = null;

  before(async () => {
    database = kind === 'postgres' ? await createPostgresDatabase() : null;
    upstream = await startUpstreamServer();
    served = await prepareMailwarden({
      relayUrl: `smtp://127.0.0.1:${upstream.port}`,
      env: { MAILWARDEN_LOG_LEVEL: 'info' },
      ...(database ? { databaseUrl: database.url } : {}),
    });
  });
  after(async () => {
    await served?.remove();
    await upstream?.stop();
    await database?.drop();
  });

  const journalFile = () => journalFileOf(served.dataDir, 1);

  /** Relays a message that the upstream holds, then SIGKILLs serve before the client hears back. */
  async function killWhileHeld(messageId: string): Promise<void> {
    upstream.setMode('hold');
    const before = (await upstream.held(0)).length;
    const { client } = await send(served, messageId);
    await upstream.held(before + 1);
    const open = readJournalFile(journalFile()).open;
    assert.deepEqual(
      open.map((note) => note.messageId),
      [messageId],
      'the message is noted before it is handed upstream',
    );
    await served.kill9();
    client.destroy();
    upstream.setMode('accept');
  }

  /** The account's sent messages in the counters and its reservation rows, read with serve stopped. */
  async function countsOfSender(): Promise<{ messages: number; reservations: number }> {
    const loaded = loadConfig({ env: served.env });
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    const app = await buildApp(loaded.config, { logger: silentLogger });
    try {
      const user = await app.directory.findUser(SENDER);
      assert.ok(user);
      const sent = await app.store.db
        .selectFrom('send_counters')
        .select((eb) => eb.fn.sum<number | string>('messages').as('n'))
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      const reserved = await app.store.db
        .selectFrom('send_reservations')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      return { messages: Number(sent?.n ?? 0), reservations: Number(reserved?.n ?? 0) };
    } finally {
      await app.close();
    }
  }

  test('a message answered 250 leaves no open note, and the journal file is 0600', async () => {
    await served.start();
    try {
      const { reply, client } = await send(served, '<answered@client.test>');
      assert.equal((await reply).code, 250);
      await client.quit();
      assert.deepEqual(readJournalFile(journalFile()), { open: [], problems: [] });
      assert.equal(statSync(journalFile()).mode & 0o777, 0o600);
    } finally {
      assert.equal(await served.stop(), 0);
    }
  });

  test('a message relayed upstream when serve is SIGKILLed before the 250 gets a Send record with outcome unknown at the next start; the resend is counted once more, nothing twice, and the chain verifies', {
    timeout: 120_000,
  }, async () => {
    const counted = await countsOfSender();
    await served.start();
    const messageId = '<held-at-kill@client.test>';
    await killWhileHeld(messageId);
    assert.deepEqual(await sendRecords(served, messageId), [], 'no Send record before the restart');

    await served.start();
    try {
      const records = await sendRecords(served, messageId);
      assert.equal(records.length, 1, 'one record for the relayed message');
      const [record] = records;
      assert.equal(record?.operation, 'Send');
      assert.equal(record?.result, 'success');
      assert.equal(record?.details?.['outcome'], 'unknown');
      assert.equal(record?.details?.['delivery'], UNKNOWN_OUTCOME);
      assert.deepEqual(record?.details?.['recipients'], ['someone@customer.test']);
      assert.equal(record?.details?.['worker'], 1);
      assert.ok(
        logLines(served).some(
          (line) =>
            line['msg'] === 'messages handed to delivery by an ended process recorded with outcome unknown',
        ),
        'the start says what it recovered',
      );
      assert.deepEqual(readJournalFile(journalFile()).open, [], 'the note is gone once recorded');
      await assertChainVerifies(served);

      // The client never heard 250, so it sends the message again: a second copy, its own record.
      const { reply, client } = await send(served, messageId);
      assert.equal((await reply).code, 250);
      await client.quit();
      assert.equal((await sendRecords(served, messageId)).length, 2);
    } finally {
      assert.equal(await served.stop(), 0);
    }
    assert.deepEqual(
      await countsOfSender(),
      { messages: counted.messages + 2, reservations: 0 },
      'the relayed copy and the resend counted once each; the killed message’s reservation is gone',
    );
  });

  test('garbage and a truncated last line in the journal are reported by line and skipped; the readable note still becomes a record', {
    timeout: 120_000,
  }, async () => {
    await served.start();
    const messageId = '<held-before-garbage@client.test>';
    await killWhileHeld(messageId);
    assert.ok(existsSync(journalFile()));
    // The file holds one line (the held message's note: each start empties it); a process killed
    // mid-write would leave the last line short like this one.
    const cut = '{"open":{"id":"cut-short","atMs":17';
    appendFileSync(journalFile(), `this is no journal line\n${cut}`);

    await served.start();
    try {
      const skipped = logLines(served).filter(
        (line) => line['msg'] === 'send journal line skipped: it cannot be read',
      );
      assert.deepEqual(
        skipped.map((line) => [line['line'], line['problem']]),
        [
          [2, 'not JSON'],
          [3, `truncated last line (${cut.length} bytes without a line end)`],
        ],
      );
      const records = await sendRecords(served, messageId);
      assert.equal(records.length, 1);
      assert.equal(records[0]?.details?.['outcome'], 'unknown');
      assert.deepEqual(readJournalFile(journalFile()), { open: [], problems: [] });
      await assertChainVerifies(served);
    } finally {
      assert.equal(await served.stop(), 0);
    }
  });
}

/** The worker process of a slot, from the MAILWARDEN_WORKER_SLOT its supervisor gave it. */
function pidOfWorker(served: ServedMailwarden, slot: number): number {
  for (const pid of workerPids(served)) {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const given = environ.find((entry) => entry.startsWith('MAILWARDEN_WORKER_SLOT='))?.split('=')[1];
    if (Number(given?.split(':')[0]) === slot) return pid;
  }
  throw new Error(`no worker ${slot} runs`);
}

function workerTests(kind: StoreKind): void {
  let served: ServedMailwarden;
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  let database: { url: string; drop(): Promise<void> } | null = null;

  before(async () => {
    database = kind === 'postgres' ? await createPostgresDatabase() : null;
    upstream = await startUpstreamServer();
    served = await prepareWorkers({
      relayUrl: `smtp://127.0.0.1:${upstream.port}`,
      env: { MAILWARDEN_LOG_LEVEL: 'info' },
      ...(database ? { databaseUrl: database.url } : {}),
    });
    await served.start();
  });
  after(async () => {
    await served?.remove();
    await upstream?.stop();
    await database?.drop();
  });

  test('a worker SIGKILLed while the upstream holds its relayed message is replaced under the same number, and the replacement records the message with outcome unknown', {
    timeout: 120_000,
  }, async () => {
    upstream.setMode('hold');
    const messageId = `<worker-killed-${kind}@client.test>`;
    const { client } = await send(served, messageId);
    await upstream.held(1);
    const slot = [1, 2].find(
      (worker) => readJournalFile(journalFileOf(served.dataDir, worker)).open.length > 0,
    );
    assert.ok(slot, 'the worker that took the message noted it in its own journal');
    process.kill(pidOfWorker(served, slot), 'SIGKILL');
    client.destroy();
    upstream.setMode('accept');
    await waitUntil(
      () =>
        logLines(served).some(
          (line) =>
            line['msg'] === 'messages handed to delivery by an ended process recorded with outcome unknown' &&
            line['worker'] === slot,
        ),
      60_000,
      `the replacement worker ${slot} recovered the note`,
    );
    const records = await sendRecords(served, messageId);
    assert.equal(records.length, 1);
    assert.equal(records[0]?.details?.['outcome'], 'unknown');
    assert.equal(records[0]?.details?.['worker'], slot);
    assert.deepEqual(readJournalFile(journalFileOf(served.dataDir, slot)), { open: [], problems: [] });
    await assertChainVerifies(served);
  });
}
