import { Worker } from 'node:worker_threads';
import {
  type Executor,
  type StoreOptions,
  startWalCheckpointer,
  type WalCheckpointer,
} from '../store/index.js';
import { sealedFromColumnsJson } from './append-records.js';
import type { CommitWork } from './group-commit.js';
import { type IngestStep, runIngestSteps } from './item-windows.js';

/** A source's position (a spool file and offset, say), stored with the records it produced. */
export interface IngestCursor {
  source: string;
  position: string;
}

/** The steps of one ingest and the source position they bring the log to. */
export interface IngestJob {
  steps: readonly IngestStep[];
  cursor?: IngestCursor;
}

/**
 * Where an ingest's transactions run: the caller's thread, or a SQLite writer thread. Jobs commit in
 * the order they were written, each in its own transaction, and a job written while an earlier one
 * was still in flight commits only if that one did: a source that keeps a few jobs in flight (the
 * Dovecot spool) never finds a later position committed past a batch that failed.
 */
export interface IngestWriter {
  /** Resolves once the job's records (and its cursor) are committed. */
  write(job: IngestJob): Promise<void>;
  /** Resolves once every job written so far is settled. */
  flush(): Promise<void>;
  /** Flushes, then stops the thread (if any); a later write starts it again. */
  close(): Promise<void>;
}

/** Refuses a job whose predecessor failed (see IngestWriter). */
export const EARLIER_JOB_FAILED = 'an earlier ingest of this source failed; written again after it';

const CURSOR_PREFIX = 'audit-ingest-cursor:';

export async function readCursor(executor: Executor, source: string): Promise<string | null> {
  const row = await executor
    .selectFrom('meta')
    .select('value')
    .where('key', '=', `${CURSOR_PREFIX}${source}`)
    .executeTakeFirst();
  return row?.value ?? null;
}

async function saveCursor(trx: Executor, cursor: IngestCursor): Promise<void> {
  const key = `${CURSOR_PREFIX}${cursor.source}`;
  await trx
    .insertInto('meta')
    .values({ key, value: cursor.position })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: cursor.position }))
    .execute();
}

/**
 * What a group commit does with an ingest job, on whichever thread: run its steps (item windows)
 * and append the records they produce; the source's position commits with them, so after a crash
 * the source resumes right after what is in the log, never twice, never skipping.
 */
export function ingestWork(job: IngestJob): CommitWork {
  const { cursor } = job;
  return {
    records: [],
    build: (trx) => runIngestSteps(trx, job.steps),
    ...(cursor ? { alsoWithin: (trx: Executor) => saveCursor(trx, cursor) } : {}),
  };
}

/**
 * An ingest committed through the caller's own group committer (PostgreSQL): a job waits for the
 * one written before it to settle, and is refused if it failed.
 */
export function ingestInProcess(committer: {
  submit(work: CommitWork): Promise<void>;
  flush(): Promise<void>;
}): IngestWriter {
  let last: { done: Promise<void>; settled: 'no' | 'committed' | 'failed' } | null = null;
  // A job still waiting for its predecessor is not in the committer yet: wait for the last one.
  const flush = async () => {
    await last?.done.catch(() => {});
    await committer.flush();
  };
  return {
    write(job) {
      const previous = last?.settled === 'no' ? last.done : null;
      const entry: NonNullable<typeof last> = {
        settled: 'no',
        done: (previous
          ? previous.then(
              () => committer.submit(ingestWork(job)),
              () => Promise.reject(new Error(EARLIER_JOB_FAILED)),
            )
          : committer.submit(ingestWork(job))
        ).then(
          () => {
            entry.settled = 'committed';
          },
          (error: unknown) => {
            entry.settled = 'failed';
            throw error;
          },
        ),
      };
      last = entry;
      return entry.done;
    },
    flush,
    close: flush,
  };
}

/**
 * A job's steps as they cross to the thread: one line per step, a sealed record as its columns' JSON
 * (an array), any other step as its JSON (an object); JSON.stringify never writes a raw line break.
 * V8's structured clone of the step objects cost the thread more than it saved: reading 5,000 steps
 * back took about 40 ms there, the JSON of the same steps about 6 (bench/audit/README.md).
 */
export function encodeSteps(steps: readonly IngestStep[]): string {
  const lines = new Array<string>(steps.length);
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]!;
    lines[index] = step.kind === 'sealed' ? step.record.columnsJson : JSON.stringify(step);
  }
  return lines.join('\n');
}

export function decodeSteps(text: string): IngestStep[] {
  if (text === '') return [];
  const lines = text.split('\n');
  const steps = new Array<IngestStep>(lines.length);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    steps[index] =
      line.charCodeAt(0) === 0x5b /* [ */
        ? { kind: 'sealed', record: sealedFromColumnsJson(line) }
        : (JSON.parse(line) as IngestStep);
  }
  return steps;
}

/** Messages between this module and ingest-writer-thread.ts. */
export type ToIngestThread =
  | {
      kind: 'job';
      id: number;
      /** Bumped by the writer each time it learns of a failure; the thread refuses older jobs then. */
      epoch: number;
      /** encodeSteps of the job's steps. */
      steps: string;
      cursor?: IngestCursor;
    }
  | { kind: 'close' };
export type FromIngestThread =
  | { kind: 'done'; id: number }
  | { kind: 'failed'; id: number; epoch: number; message: string; code?: string }
  | { kind: 'closed' };
export interface IngestThreadData {
  /** The main store's secondConnection. */
  connection: StoreOptions;
}

/** A thread that has had no job for this long stops (and closes its connection). */
const IDLE_STOP_MS = 30_000;
/** How long close() waits for the thread to finish its last transaction and close its connection. */
const CLOSE_WAIT_MS = 15_000;

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * SQLite: an ingest's transactions run on a thread of their own, with its own connection to the
 * database file. The calling thread parses, maps and seals events (prepare-events.ts) while this
 * thread chains, inserts and commits the previous batch: on two cores the two halves overlap
 * instead of taking turns (bench/audit/README.md).
 *
 * Nothing about the log's guarantees changes with the thread. SQLite lets one connection write at a
 * time (BEGIN IMMEDIATE; writers wait asynchronously and the two connections take turns, store.ts
 * beginImmediate), the chain head cache is checked against PRAGMA data_version, so it is read again
 * after the other connection committed, and the thread reads the mailbox audit settings in every
 * transaction, so a change applies to the next one. A thread ended in the middle of a transaction
 * (terminate() after CLOSE_WAIT_MS) leaves nothing behind: better-sqlite3 closes its connection, which
 * rolls the transaction back and frees the lock (test/audit/ingest-writer.test.ts).
 *
 * The thread starts with the first job and stops after IDLE_STOP_MS without one; it keeps the
 * process alive only while jobs are in flight. A WAL checkpointer thread runs beside it
 * (store/wal-checkpointer.ts), so that the checkpoints its commits would cause find their pages copied.
 */
export function ingestOnThread(options: {
  /** The main store's secondConnection. */
  connection: StoreOptions;
  idleStopMs?: number;
  /** The WAL checkpointer beside the thread failed: only the ingest's speed suffers. */
  onCheckpointerFailure?: (error: Error) => void;
}): IngestWriter & { threadRunning(): boolean; checkpointsRunning(): boolean } {
  const idleStopMs = options.idleStopMs ?? IDLE_STOP_MS;
  let worker: Worker | null = null;
  // Runs while the thread does: the thread is what writes enough to need it (wal-checkpointer.ts).
  let checkpointer: WalCheckpointer | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let idleTimer: NodeJS.Timeout | null = null;
  let flushWaiters: Array<() => void> = [];
  let stopping: Promise<void> | null = null;
  let epoch = 0;

  const settleFlushes = () => {
    if (pending.size > 0) return;
    const waiters = flushWaiters;
    flushWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const failAll = (error: Error) => {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
    settleFlushes();
  };

  const start = (): Worker => {
    const data: IngestThreadData = { connection: options.connection };
    const started = new Worker(new URL('./ingest-writer-thread.js', import.meta.url), { workerData: data });
    started.on('message', (message: FromIngestThread) => {
      if (message.kind === 'closed') return;
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (message.kind === 'done') entry.resolve();
      else if (message.epoch === epoch) {
        // Jobs written from now on are not held back by this failure; those in flight are refused.
        epoch += 1;
        entry.reject(Object.assign(new Error(message.message), message.code ? { code: message.code } : {}));
      } else entry.reject(new Error(message.message));
      if (pending.size === 0) {
        started.unref();
        armIdleStop();
      }
      settleFlushes();
    });
    const lost = (reason: string) => {
      if (worker !== started) return;
      worker = null;
      // The jobs are refused, not lost: their caller keeps them (the Dovecot spool) and tries again.
      failAll(new Error(`the audit ingest thread ${reason}`));
      epoch += 1;
    };
    started.on('error', (error) => lost(`failed: ${error.message}`));
    started.on('exit', (code) => lost(`exited (${code})`));
    if (!checkpointer?.running())
      checkpointer = startWalCheckpointer(options.connection, options.onCheckpointerFailure);
    return started;
  };

  const armIdleStop = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (pending.size === 0) void stop();
    }, idleStopMs);
    idleTimer.unref();
  };

  const stop = (): Promise<void> => {
    const current = worker;
    const stopCheckpoints = checkpointer?.stop() ?? Promise.resolve();
    checkpointer = null;
    if (!current) return stopCheckpoints;
    worker = null;
    current.ref();
    stopping = new Promise<void>((resolve) => {
      const timer = setTimeout(() => void current.terminate(), CLOSE_WAIT_MS);
      current.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      current.postMessage({ kind: 'close' } satisfies ToIngestThread);
    })
      .then(() => stopCheckpoints)
      .finally(() => {
        stopping = null;
      });
    return stopping;
  };

  const flush = (): Promise<void> => {
    if (pending.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => flushWaiters.push(resolve));
  };

  return {
    async write(job) {
      // A thread that is closing finishes on its own; the next job starts a new one.
      if (stopping) await stopping;
      if (idleTimer) {
        clearTimeout(idleTimer);
        idleTimer = null;
      }
      worker ??= start();
      worker.ref();
      const id = nextId++;
      const done = new Promise<void>((resolve, reject) => pending.set(id, { resolve, reject }));
      const message: ToIngestThread = { kind: 'job', id, epoch, steps: encodeSteps(job.steps) };
      if (job.cursor) message.cursor = job.cursor;
      worker.postMessage(message);
      return done;
    },
    flush,
    threadRunning: () => worker !== null,
    checkpointsRunning: () => checkpointer?.running() ?? false,
    async close() {
      await flush();
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = null;
      await stop();
    },
  };
}
