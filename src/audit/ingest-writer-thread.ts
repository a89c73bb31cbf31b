/**
 * The SQLite ingest thread's entry (see ingestOnThread in ingest-writer.ts): its own connection, the
 * same transaction code as the main thread's, one job per transaction in the order they came.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../runtime/clock.js';
import { openStore } from '../store/index.js';
import { commitWithin } from './group-commit.js';
import {
  decodeSteps,
  EARLIER_JOB_FAILED,
  type FromIngestThread,
  type IngestThreadData,
  ingestWork,
  type ToIngestThread,
} from './ingest-writer.js';
import { createMailboxSettings } from './mailbox-settings.js';

if (!parentPort) throw new Error('ingest-writer-thread.js runs as a worker thread only');
const port: MessagePort = parentPort;
const { connection } = workerData as IngestThreadData;
const reply = (message: FromIngestThread) => port.postMessage(message);

// The main thread migrated the schema before it wrote anything, so this connection only opens it.
const ready = openStore(connection).then((store) => {
  // Read in every transaction: a setting the main thread changed applies to the very next one.
  const settings = createMailboxSettings({ store, clock: systemClock, refreshMs: 0 });
  return { store, keep: settings.keep };
});
// A connection that cannot open fails every job (the caller keeps them and retries) and ends the
// thread, so that the next job starts a fresh one.
ready.catch(() => setImmediate(() => port.close()));

type Job = Extract<ToIngestThread, { kind: 'job' }>;
const queue: Job[] = [];
let running = false;
let closing = false;
/** Jobs of this epoch or older are refused: one of them failed (see IngestWriter). */
let refusedEpoch = -1;

async function run(): Promise<void> {
  running = true;
  for (let job = queue.shift(); job; job = queue.shift()) {
    if (job.epoch <= refusedEpoch) {
      reply({ kind: 'failed', id: job.id, epoch: job.epoch, message: EARLIER_JOB_FAILED });
      continue;
    }
    try {
      const deps = await ready;
      const steps = decodeSteps(job.steps);
      const work = ingestWork(job.cursor ? { steps, cursor: job.cursor } : { steps });
      await deps.store.writeTransaction((trx) => commitWithin(trx, deps, [work]));
      reply({ kind: 'done', id: job.id });
    } catch (error) {
      refusedEpoch = job.epoch;
      const { message, code } = error as { message?: string; code?: string };
      reply({
        kind: 'failed',
        id: job.id,
        epoch: job.epoch,
        message: message ?? String(error),
        ...(typeof code === 'string' ? { code } : {}),
      });
    }
  }
  running = false;
  if (closing) await close();
}

async function close(): Promise<void> {
  const deps = await ready.catch(() => null);
  await deps?.store.close();
  reply({ kind: 'closed' });
  port.close();
}

port.on('message', (message: ToIngestThread) => {
  if (message.kind === 'close') {
    closing = true;
    if (!running) void close();
    return;
  }
  queue.push(message);
  if (!running) void run();
});
