import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * The pre-relay journal: a note of every message written before it is handed to delivery (relay or
 * spool), closed once its outcome is committed (the Send record, with the counters). A process
 * killed in between — the message may have left, the client never heard 250, the record was never
 * written — leaves the note open; the next start turns it into a Send record whose outcome is
 * unknown (journal-recovery.ts), so the audit log shows the copy the client will send again.
 *
 * Why a file and not a row: this is the submission's hot path. A write() of one line into a file
 * opened O_APPEND is a copy into the kernel's page cache, which a SIGKILL, the OOM killer or a crash
 * of Node does not take back; a database row would cost a round trip and a commit per message. What
 * the file does not survive is the host losing power before the kernel wrote the page: the journal
 * covers the process, the database's own durability covers the host.
 *
 * One file per process (`send-journal/worker-N.jsonl` in the data dir, 0600): workers never share
 * one, so lines never interleave and no lock is needed. The writes are synchronous (one write() per
 * line, about a microsecond) so that the note is in the kernel before the message goes.
 */

/** The journal's folder in the data dir. */
export const SEND_JOURNAL_FOLDER = 'send-journal';

/** Past this size the file is rewritten with only its open notes (a few per session in flight). */
const COMPACT_AT_BYTES = 4 * 1024 * 1024;

/** What is known of a message when it is handed to delivery: enough for its Send record and count. */
export interface JournalNote {
  /** The message's id: the `queuedAs` of its Send record (and of the client's 250). */
  id: string;
  /** When it was handed to delivery (ms since the epoch). */
  atMs: number;
  /** The worker that handed it (1 in a single process). */
  worker: number;
  operation: 'Send' | 'SendAs';
  /** The sender's account: its user id (the counters' key) and its primary address (the mailbox). */
  userId: string;
  mailbox: string;
  from: string;
  recipients: string[];
  messageId: string | null;
  subject: string | null;
  sizeBytes: number;
  clientIp: string | null;
  clientInfo: string | null;
  sessionId: string;
  /** The message's row in send_reservations and the recipients it reserved. */
  reservationId: string;
  internalRecipients: number;
  externalRecipients: number;
  policy: string;
  policyVersion: number;
}

/** A line the journal could not read: reported at start, never a reason not to start. */
export interface JournalProblem {
  file: string;
  line: number;
  problem: string;
}

export interface JournalContents {
  /** Notes without a closing line, in the order they were written. */
  open: JournalNote[];
  problems: JournalProblem[];
}

type JournalLine = { open: JournalNote } | { closed: string };

export function journalFileOf(dataDir: string, worker: number): string {
  return path.join(dataDir, SEND_JOURNAL_FOLDER, `worker-${worker}.jsonl`);
}

/** Every journal file in the data dir (worker-1.jsonl, worker-2.jsonl, …), missing folder: none. */
export function listJournalFiles(dataDir: string): string[] {
  const folder = path.join(dataDir, SEND_JOURNAL_FOLDER);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => /^worker-\d+\.jsonl$/.test(name))
    .sort()
    .map((name) => path.join(folder, name));
}

/**
 * The notes a file holds open. A line that is not a note or a close (garbage, a half-written last
 * line of a process killed mid-write) is reported and skipped: every other note is still kept.
 */
export function readJournalFile(file: string): JournalContents {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { open: [], problems: [] };
    throw error;
  }
  const open = new Map<string, JournalNote>();
  const problems: JournalProblem[] = [];
  const lines = text.split('\n');
  // The text after the last newline is a line the process did not finish writing.
  const unfinished = lines.pop() ?? '';
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const parsed = parseLine(line);
    if (typeof parsed === 'string') problems.push({ file, line: index + 1, problem: parsed });
    else if ('open' in parsed) open.set(parsed.open.id, parsed.open);
    else open.delete(parsed.closed);
  });
  if (unfinished !== '')
    problems.push({
      file,
      line: lines.length + 1,
      problem: `truncated last line (${Buffer.byteLength(unfinished)} bytes without a line end)`,
    });
  return { open: [...open.values()], problems };
}

function parseLine(line: string): JournalLine | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'not a journal entry';
  const entry = value as Record<string, unknown>;
  if (typeof entry['closed'] === 'string') return { closed: entry['closed'] };
  const note = entry['open'] as Partial<JournalNote> | undefined;
  if (
    typeof note !== 'object' ||
    note === null ||
    typeof note.id !== 'string' ||
    typeof note.atMs !== 'number' ||
    typeof note.userId !== 'string' ||
    typeof note.mailbox !== 'string' ||
    !Array.isArray(note.recipients) ||
    (note.operation !== 'Send' && note.operation !== 'SendAs')
  )
    return 'not a journal entry';
  return { open: note as JournalNote };
}

export interface SendJournal {
  /** Written before the message is handed to delivery; throws if the file cannot take it. */
  note(note: JournalNote): void;
  /**
   * The message's outcome is committed (or given up on): its note is no longer needed. Never throws
   * (the client's reply must not depend on it); false when the closing line could not be written.
   */
  close(id: string): boolean;
  /** Notes written and not closed by this process. */
  openCount(): number;
  readonly file: string;
  /** Which worker's journal this is (1 in a single process). */
  readonly worker: number;
  /** Closes the file; open notes stay in it for the next start. */
  shut(): void;
}

/**
 * Opens this worker's journal, empty: the caller has recovered what an earlier process left in it
 * (the file is truncated here).
 */
export function openSendJournal(dataDir: string, worker: number): SendJournal {
  const file = journalFileOf(dataDir, worker);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd = openSync(file, 'w', 0o600);
  closeSync(fd);
  fd = openSync(file, 'a', 0o600);
  let size = 0;
  /** The open notes' lines, kept so that compaction rewrites them without reading the file. */
  const open = new Map<string, string>();

  /** A write failed or fell short (a full disk): the next line starts on a line of its own. */
  let brokenLine = false;
  const write = (line: string) => {
    const text = brokenLine ? `\n${line}` : line;
    brokenLine = true;
    const written = writeSync(fd, text);
    size += written;
    if (written < Buffer.byteLength(text)) throw new Error('short write to the send journal');
    brokenLine = false;
  };

  /**
   * Writes the open notes to a new file and renames it over the journal: a SIGKILL midway leaves
   * either the old file or the new one whole (rename is atomic), each with every open note.
   */
  const compact = () => {
    const fresh = `${file}.compact`;
    const next = openSync(fresh, 'w', 0o600);
    let written = 0;
    try {
      for (const line of open.values()) written += writeSync(next, line);
    } finally {
      closeSync(next);
    }
    renameSync(fresh, file);
    closeSync(fd);
    fd = openSync(file, 'a', 0o600);
    size = written;
  };

  return {
    file,
    worker,
    note(note) {
      const line = `${JSON.stringify({ open: note })}\n`;
      write(line);
      open.set(note.id, line);
    },
    close(id) {
      if (!open.delete(id)) return false;
      try {
        write(`{"closed":${JSON.stringify(id)}}\n`);
        if (size >= COMPACT_AT_BYTES) compact();
        return true;
      } catch {
        // The note stays open in the file: the next start finds its record (by its id) and skips it.
        return false;
      }
    },
    openCount: () => open.size,
    shut() {
      closeSync(fd);
    },
  };
}
