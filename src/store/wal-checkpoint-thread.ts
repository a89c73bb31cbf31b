/**
 * The WAL checkpointer's thread (see startWalCheckpointer in wal-checkpointer.ts): a connection of its
 * own that copies the pages writers committed back into the database file, passively: it never waits
 * for a lock and never holds up a reader or a writer.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type { ToWalCheckpointThread, WalCheckpointThreadData } from './wal-checkpointer.js';

if (!parentPort) throw new Error('wal-checkpoint-thread.js runs as a worker thread only');
const port: MessagePort = parentPort;
const { file } = workerData as WalCheckpointThreadData;

/** While writers commit, the thread copies what they committed this often. */
const WRITING_INTERVAL_MS = 20;
/** When nothing was committed since the last look, it looks again later and later, up to this. */
const QUIET_INTERVAL_MS = 1_000;

// The main thread created and migrated the file: this connection only opens it.
const database = new SqliteDatabase(file, { fileMustExist: true });
// Passive means no waiting: a lock that is taken (another checkpoint) is simply tried next time.
database.pragma('busy_timeout = 0');
database.pragma('synchronous = NORMAL');
const checkpoint = database.prepare('PRAGMA wal_checkpoint(PASSIVE)');

let timer: NodeJS.Timeout | null = null;
let lastFrames = -1;
let intervalMs = WRITING_INTERVAL_MS;

function copyCommittedPages(): void {
  timer = null;
  let frames: number;
  try {
    // log: frames in the write-ahead log now; a new log (after a reset) or more frames mean writers.
    frames = (checkpoint.get() as { log: number }).log;
  } catch {
    frames = -2; // busy (a writer's own checkpoint holds the lock): writers are at work
  }
  intervalMs = frames !== lastFrames ? WRITING_INTERVAL_MS : Math.min(intervalMs * 2, QUIET_INTERVAL_MS);
  lastFrames = frames;
  timer = setTimeout(copyCommittedPages, intervalMs);
}

port.on('message', (message: ToWalCheckpointThread) => {
  if (message.kind !== 'stop') return;
  if (timer) clearTimeout(timer);
  timer = null;
  database.close();
  port.close();
});

copyCommittedPages();
