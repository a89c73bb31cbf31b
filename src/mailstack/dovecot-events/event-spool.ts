import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../runtime/logger.js';
import type { DovecotEvent } from './dovecot-event.js';
import type { PreparedEvents } from './prepare-events.js';

/** Events waiting for the audit log (prepared), with where they end in the spool. */
export interface SpooledBatch {
  prepared: PreparedEvents;
  position: string;
  /** When it was accepted (or, for events found in the spool at start, when the spool opened). */
  spooledAtMs: number;
}

export interface EventSpool {
  /**
   * Writes the events' JSON lines to the spool file before the caller answers 2xx: a write() that
   * survives a crash of this process, the same promise a SQLite commit with synchronous=NORMAL makes.
   * Throws when the disk refuses or the backlog is full (the caller answers 503).
   */
  append(lines: string, prepared: PreparedEvents): void;
  /** The oldest waiting batches (older files first), up to about `maxEvents` events. */
  take(maxEvents: number): SpooledBatch[];
  /**
   * The batches were committed to the audit log with their position: once no batch is waiting or
   * taken, the files may go.
   */
  committed(batches: readonly SpooledBatch[]): void;
  /** Gives batches that could not be committed back, at the front, to be tried again. */
  putBack(batches: readonly SpooledBatch[]): void;
  backlog(): number;
  /** When the oldest batch still waiting or taken and not committed was spooled; null when none is. */
  oldestWaitingAtMs(): number | null;
}

const FILE = /^events-(\d{8})\.jsonl$/;
/** A file is closed and a new one begun once this big and fully committed. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Events held in memory at most; beyond this the endpoint refuses (503) rather than grow. */
export const MAX_BACKLOG_EVENTS = 200_000;

const fileName = (seq: number) => `events-${String(seq).padStart(8, '0')}.jsonl`;

/**
 * The Dovecot endpoint's spool (DATA_DIR/dovecot-events/): Dovecot posts one event per request on a
 * single connection and drops what waits more than transport_timeout, so the answer must not wait
 * for a database commit. Accepted events are appended here, then ingested in large batches; the
 * position committed with them (audit ingest cursor) says where to resume after a restart.
 */
export function createEventSpool(deps: {
  dir: string;
  cursor: string | null;
  logger: Logger;
  /** Prepares the events found in the spool at start (those accepted but not yet committed). */
  prepare(events: DovecotEvent[]): PreparedEvents;
  /** A file is closed once this big and fully committed (default MAX_FILE_BYTES). */
  maxFileBytes?: number;
  /** The time batches are stamped with (the ingest lag in /metrics). */
  nowMs?: () => number;
}): EventSpool {
  const maxFileBytes = deps.maxFileBytes ?? MAX_FILE_BYTES;
  const nowMs = deps.nowMs ?? Date.now;
  const queue: SpooledBatch[] = [];
  let queued = 0;
  /** Batches taken and not yet committed or put back. */
  let taken = 0;
  /** The same batches, for the age of the oldest (a few thousand at most: two takes in flight). */
  const takenBatches = new Set<SpooledBatch>();
  const existing = existsSync(deps.dir)
    ? readdirSync(deps.dir)
        .map((name) => FILE.exec(name))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => Number(match[1]))
        .sort((a, b) => a - b)
    : [];
  // A new process writes a new file: the last one may end in a line cut short by a crash.
  let writeSeq = (existing.at(-1) ?? 0) + 1;
  let fd: number | null = null;
  let writeOffset = 0;

  const [cursorSeq, cursorOffset] = (deps.cursor ?? '0:0').split(':').map(Number) as [number, number];
  for (const seq of existing) {
    const file = path.join(deps.dir, fileName(seq));
    if (seq < cursorSeq) {
      rmSync(file, { force: true });
      continue;
    }
    const text = readFileSync(file);
    let start = seq === cursorSeq ? cursorOffset : 0;
    const events: DovecotEvent[] = [];
    let end = start;
    while (start < text.length) {
      const newline = text.indexOf(10, start);
      if (newline === -1) break; // a line cut short by a crash: it was never acknowledged
      try {
        events.push(JSON.parse(text.subarray(start, newline).toString('utf8')) as DovecotEvent);
      } catch {
        deps.logger.warn('dovecot event spool: unreadable line skipped', { file, offset: start });
      }
      start = newline + 1;
      end = start;
    }
    if (events.length > 0) {
      queue.push({ prepared: deps.prepare(events), position: `${seq}:${end}`, spooledAtMs: nowMs() });
      queued += events.length;
    }
  }
  if (queued > 0) deps.logger.info('dovecot event spool: resuming', { events: queued });

  const open = () => {
    mkdirSync(deps.dir, { recursive: true, mode: 0o700 });
    fd = openSync(path.join(deps.dir, fileName(writeSeq)), 'a', 0o600);
    writeOffset = 0;
  };

  return {
    append(lines, prepared) {
      if (queued + prepared.events > MAX_BACKLOG_EVENTS) throw new Error('the Dovecot event backlog is full');
      if (fd === null) open();
      const bytes = Buffer.from(lines, 'utf8');
      let written = 0;
      while (written < bytes.length) written += writeSync(fd!, bytes, written);
      writeOffset += bytes.length;
      queue.push({ prepared, position: `${writeSeq}:${writeOffset}`, spooledAtMs: nowMs() });
      queued += prepared.events;
    },
    take(maxEvents) {
      const batches: SpooledBatch[] = [];
      let count = 0;
      while (queue.length > 0 && (count === 0 || count + queue[0]!.prepared.events <= maxEvents)) {
        const batch = queue.shift()!;
        count += batch.prepared.events;
        batches.push(batch);
      }
      queued -= count;
      taken += batches.length;
      for (const batch of batches) takenBatches.add(batch);
      return batches;
    },
    committed(batches) {
      taken -= batches.length;
      for (const batch of batches) takenBatches.delete(batch);
      // Once everything is in the log, a big file is closed and every older file removed.
      if (queue.length > 0 || taken > 0 || fd === null || writeOffset < maxFileBytes) return;
      closeSync(fd);
      fd = null;
      for (let seq = 1; seq <= writeSeq; seq++) rmSync(path.join(deps.dir, fileName(seq)), { force: true });
      writeSeq += 1;
    },
    putBack(batches) {
      taken -= batches.length;
      for (const batch of batches) takenBatches.delete(batch);
      queue.unshift(...batches);
      queued += batches.reduce((sum, batch) => sum + batch.prepared.events, 0);
    },
    backlog: () => queued,
    oldestWaitingAtMs() {
      let oldest = queue[0]?.spooledAtMs ?? null;
      for (const batch of takenBatches)
        if (oldest === null || batch.spooledAtMs < oldest) oldest = batch.spooledAtMs;
      return oldest;
    },
  };
}
