import type { Clock } from '../runtime/clock.js';
import type { Executor, Store } from '../store/index.js';
import { appendRecords, isSealed, type SealedRecord, sealRecord, type TimedInput } from './append-records.js';

/** A state change that belongs with the record (a send counter with its Send record). */
export type AlsoWithin = (trx: Executor) => Promise<void>;

/** Work that produces records from what the transaction reads (grouped item windows). */
export type BuildRecords = (trx: Executor) => Promise<Array<TimedInput | SealedRecord>>;

/** Which of the records are kept (per-mailbox audit settings); runs inside the transaction. */
export type KeepRecords = (trx: Executor, records: SealedRecord[]) => Promise<SealedRecord[]>;

export interface CommitWork {
  records: TimedInput[];
  build?: BuildRecords;
  alsoWithin?: AlsoWithin;
}

interface Waiting extends CommitWork {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The work of one transaction: the records of every item (given, then built), sealed, filtered by
 * `keep`, appended to the chain in that order; then each item's own change.
 */
export async function commitWithin(
  trx: Executor,
  deps: { store: Store; keep: KeepRecords },
  batch: readonly CommitWork[],
): Promise<void> {
  let records: SealedRecord[] = [];
  for (const item of batch) {
    for (const record of item.records) records.push(sealRecord(record));
    if (item.build)
      for (const record of await item.build(trx))
        records.push(isSealed(record) ? record : sealRecord(record));
  }
  records = await deps.keep(trx, records);
  await appendRecords(deps.store, trx, records);
  for (const item of batch) if (item.alsoWithin) await item.alsoWithin(trx);
}

/**
 * Under load a transaction waits this long for more appends before it commits. A commit writes every
 * page it changed, two system calls each (the sign-in log's and the audit log's index leaves, mostly
 * the same ones for every record), so records that share a commit share those writes: on the
 * gateway's one message per connection load, a commit carries about 4 records instead of about 2
 * (bench/gateway-throughput/README.md).
 */
export const GATHER_MS = 2;
/** "Under load": this many appends arrived within GATHER_WINDOW_MS before the one that starts a batch. */
const GATHER_WHEN_RECENT = 3;
const GATHER_WINDOW_MS = 10;

/**
 * Records that are not part of another state change (a sign-in, a sent message, Dovecot events)
 * are committed in groups: every append that arrives while a transaction is in flight joins the next
 * one, and while appends arrive quickly a transaction first waits GATHER_MS for more. A lone caller
 * (appends further apart) never waits. Each caller still waits until its own records are committed,
 * so nothing is acknowledged before it is durable, and the chain is written by one transaction at a
 * time.
 */
export function createGroupCommitter(deps: { store: Store; clock: Clock; keep: KeepRecords }) {
  let waiting: Waiting[] = [];
  let running: Promise<void> | null = null;
  // When the latest appends arrived (real time, not the injected clock: this is about load, not dates).
  const recentArrivals: number[] = [];
  const underLoad = () =>
    recentArrivals.length > GATHER_WHEN_RECENT &&
    recentArrivals[recentArrivals.length - 1]! - recentArrivals[0]! <= GATHER_WINDOW_MS;

  const commit = (batch: readonly Waiting[]) =>
    deps.store.writeTransaction((trx) => commitWithin(trx, deps, batch));

  const drain = async () => {
    // Let every append of this turn of the event loop join the first batch, and under load those of
    // the next few milliseconds too.
    if (underLoad()) await new Promise<void>((resolve) => setTimeout(resolve, GATHER_MS));
    else await new Promise<void>((resolve) => setImmediate(resolve));
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        await commit(batch);
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    running = null;
  };

  return {
    submit(work: CommitWork): Promise<void> {
      recentArrivals.push(performance.now());
      if (recentArrivals.length > GATHER_WHEN_RECENT + 1) recentArrivals.shift();
      return new Promise<void>((resolve, reject) => {
        waiting.push({ ...work, resolve, reject });
        running ??= drain();
      });
    },
    /** Resolves once every record appended so far is committed. */
    async flush(): Promise<void> {
      while (running) await running;
    },
  };
}
