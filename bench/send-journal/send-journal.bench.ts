/**
 * What the pre-relay journal costs a message (outbound/send-journal.ts): a note written before the
 * message is handed to delivery and closed once its Send record committed, against the same note
 * kept as a database row (an INSERT in its own transaction before the relay, a DELETE after), on
 * the same store, SQLite and (with --postgres) PostgreSQL. Sequential, one message at a time: the
 * latency each choice adds to a submission, and the CPU of this process per message.
 *
 *   npm run build && node dist/bench/send-journal/send-journal.bench.js [--messages 20000] [--postgres]
 */
import { parseArgs } from 'node:util';
import { type JournalNote, openSendJournal } from '../../src/outbound/index.js';
import { openBenchApp } from '../bench-app.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: sized(20_000, 200) },
    ...smokeOption,
    postgres: { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(values.messages);
const _POSTGRES_ADMIN = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A note of the size the gateway writes: two recipients, a subject, the ids. */
function noteOf(index: number): JournalNote {
  return {
    id: `0b8e7c9a-5d1f-4c2e-9a7b-${String(index).padStart(12, '0')}`,
    atMs: Date.now(),
    worker: 1,
    operation: 'Send',
    userId: '7f0c2d4e-8a9b-4c1d-9e2f-3a4b5c6d7e8f',
    mailbox: 'alice@example.org',
    from: 'alice@example.org',
    recipients: ['someone@customer.test', 'other@customer.test'],
    messageId: `<${index}.bench@client.example.org>`,
    subject: 'Quarterly figures for the board meeting',
    sizeBytes: 4096,
    clientIp: '192.0.2.7',
    clientInfo: 'ehlo:client.example.org',
    sessionId: 'a1b2c3d4e5f6',
    reservationId: `1c2d3e4f-5a6b-4c7d-8e9f-${String(index).padStart(12, '0')}`,
    internalRecipients: 0,
    externalRecipients: 2,
    policy: 'default',
    policyVersion: 3,
  };
}

interface Figures {
  micros_per_message: number;
  cpu_micros_per_message: number;
}

async function measure(run: (index: number) => Promise<void> | void): Promise<Figures> {
  const warmup = Math.min(1000, MESSAGES);
  for (let index = 0; index < warmup; index++) await run(-1 - index);
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let index = 0; index < MESSAGES; index++) await run(index);
  const wallNs = Number(process.hrtime.bigint() - start);
  const used = process.cpuUsage(cpu);
  return {
    micros_per_message: Math.round(wallNs / MESSAGES / 10) / 100,
    cpu_micros_per_message: Math.round(((used.user + used.system) / MESSAGES) * 100) / 100,
  };
}

async function storeFigures(dialect: 'sqlite' | 'postgres'): Promise<Record<string, Figures>> {
  const bench = await openBenchApp({ name: 'journal', postgres: dialect === 'postgres' });
  const { app, dataDir } = bench;
  try {
    const journal = openSendJournal(dataDir, 1);
    const file = await measure((index) => {
      const note = noteOf(index);
      journal.note(note);
      journal.close(note.id);
    });
    journal.shut();
    // The same note as a row: committed before the relay (its own transaction), gone after.
    const row = await measure(async (index) => {
      const note = noteOf(index);
      const key = `send-journal:${note.id}`;
      await app.store.writeTransaction((trx) =>
        trx
          .insertInto('meta')
          .values({ key, value: JSON.stringify(note) })
          .execute(),
      );
      await app.store.writeTransaction((trx) => trx.deleteFrom('meta').where('key', '=', key).execute());
    });
    return { journal_file: file, database_row: row };
  } finally {
    await bench.close();
  }
}

async function main(): Promise<void> {
  const report: Record<string, unknown> = { messages: MESSAGES, sqlite: await storeFigures('sqlite') };
  if (values.postgres) report['postgres'] = await storeFigures('postgres');
  console.log(JSON.stringify(report, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
