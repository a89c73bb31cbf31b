import type { Clock } from '../runtime/clock.js';
import type { Executor, Store } from '../store/index.js';
import { appendRecords, type TimedInput } from './append-records.js';
import type { AuditRecordInput } from './events.js';

/** A state change that belongs with the record (a send counter with its Send record). */
export type AlsoWithin = (trx: Executor) => Promise<void>;

interface Waiting extends TimedInput {
  alsoWithin: AlsoWithin | undefined;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Records that are not part of another state change (a sign-in, a sent message) are committed in
 * groups: every append that arrives while a transaction is in flight joins the next one. Each caller
 * still waits until its own record is committed, so nothing is acknowledged before it is durable,
 * and the chain is written by one transaction at a time.
 */
export function createGroupCommitter(deps: { store: Store; clock: Clock }) {
  let waiting: Waiting[] = [];
  let running: Promise<void> | null = null;

  const drain = async () => {
    // Let every append of this turn of the event loop join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        await deps.store.writeTransaction(async (trx) => {
          await appendRecords(deps.store, trx, batch);
          for (const item of batch) if (item.alsoWithin) await item.alsoWithin(trx);
        });
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    running = null;
  };

  return {
    append(input: AuditRecordInput, alsoWithin?: AlsoWithin): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ input, timeMs: deps.clock.nowMs(), alsoWithin, resolve, reject });
        running ??= drain();
      });
    },
    /** Resolves once every record appended so far is committed. */
    async flush(): Promise<void> {
      while (running) await running;
    },
  };
}
