import { Worker } from 'node:worker_threads';
import { type StoreOptions, sqliteFile } from './store.js';

/** How long stop() waits for the thread's checkpoint in progress before ending it. */
const STOP_WAIT_MS = 5_000;

export interface WalCheckpointThreadData {
  file: string;
}

/** Messages to wal-checkpoint-thread.ts. */
export type ToWalCheckpointThread = { kind: 'stop' };

export interface WalCheckpointer {
  /** Ends the thread once its checkpoint in progress (if any) is done. */
  stop(): Promise<void>;
  running(): boolean;
}

/**
 * SQLite: copies committed pages from the write-ahead log back into the database file on a thread of
 * its own, while a heavy writer (the audit ingest thread) keeps writing. Without it the writer that
 * commits past SQLITE_CHECKPOINT_PAGES copies some 40 MB and syncs the file inside its COMMIT: about
 * 3 µs of every ingested record, on the thread that limits the ingest (bench/audit/README.md),
 * and a stall of 200 ms or more when that writer is the main thread.
 *
 * The writers' own automatic checkpoint stays as it is: a checkpoint that runs beside writers never
 * resets the log (SQLite starts the log over only when a write transaction begins after every frame
 * was copied), so the writer that crosses the threshold still checkpoints and resets it, but finds
 * nearly every page already copied and synced. The log stays near its usual 40 MB, and if this thread
 * stops or fails, nothing changes but the speed.
 *
 * Null on PostgreSQL, which checkpoints on its own.
 */
export function startWalCheckpointer(
  connection: StoreOptions,
  /** Told when the thread fails (its connection cannot open, say): worth a log line, nothing more. */
  onFailure: (error: Error) => void = () => {},
): WalCheckpointer | null {
  if (connection.databaseUrl) return null;
  const data: WalCheckpointThreadData = { file: sqliteFile(connection.dataDir) };
  const worker = new Worker(new URL('./wal-checkpoint-thread.js', import.meta.url), { workerData: data });
  let alive = true;
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      alive = false;
      resolve();
    });
  });
  // A failed checkpointer only costs speed (see above): the writers go on checkpointing themselves.
  worker.on('error', (error: unknown) => onFailure(asError(error)));
  // It never keeps the process alive: it serves writers, and those hold the process while they write.
  worker.unref();
  return {
    running: () => alive,
    async stop() {
      if (!alive) return;
      const timer = setTimeout(() => void worker.terminate(), STOP_WAIT_MS);
      worker.postMessage({ kind: 'stop' } satisfies ToWalCheckpointThread);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A worker's uncaught error as it arrives here: better-sqlite3's SqliteError crosses the thread
 * boundary as a plain object with only its code (structured clone keeps no subclass), so it is
 * described again.
 */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new Error(`the WAL checkpointer thread failed: ${String(code ?? error)}`);
}
