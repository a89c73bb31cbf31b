import { randomUUID } from 'node:crypto';
import { constants, type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../runtime/clock.js';
import type { Delivery, OutboundMessage } from './delivery.js';

/**
 * Removes what a crash (kill -9, power loss) left in spool/tmp/: files that never became messages,
 * since a message counts only once renamed into spool/. Run at start, before anything is spooled;
 * spool/ itself is never touched. Returns how many were removed.
 */
export async function removePartialSpoolFiles(spoolDir: string): Promise<number> {
  const tmpDir = path.join(spoolDir, 'tmp');
  let entries: Dirent[];
  try {
    entries = await fs.readdir(tmpDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const partial = entries.filter((entry) => entry.isFile());
  await Promise.all(partial.map((entry) => fs.rm(path.join(tmpDir, entry.name), { force: true })));
  return partial.length;
}

/**
 * Writes each accepted message to DATA_DIR/spool/<time>-<id>.eml, prefixed with its envelope as
 * Return-Path and X-Mailwarden-Rcpt-To headers. The file is written under spool/tmp/, fsynced, then
 * renamed into place and the folder fsynced, so a crash leaves either the whole message or nothing in
 * spool/ — never a partial file that a reader could take for a message (maildir's recipe).
 */
export function createLocalSpool(deps: { spoolDir: string; clock: Clock }): Delivery {
  const tmpDir = path.join(deps.spoolDir, 'tmp');
  let ready: Promise<void> | null = null;
  const prepare = () => {
    // Messages are the organization's mail: this account only (folders 0700, files 0600).
    ready ??= fs.mkdir(tmpDir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return ready;
  };
  const syncSpool = createCoalescedSync(() => syncDirectory(deps.spoolDir));
  return {
    describe: () => `spool:${deps.spoolDir}`,
    async deliver(message) {
      try {
        await prepare();
        const name = `${deps.clock.nowMs()}-${randomUUID()}.eml`;
        const temporary = path.join(tmpDir, name);
        const handle = await fs.open(temporary, 'wx', 0o600);
        try {
          // Envelope lines and message in one write, without copying the message into a new buffer.
          const header = envelopeHeaders(message);
          const { bytesWritten } = await handle.writev([header, message.raw]);
          if (bytesWritten < header.length + message.raw.length)
            await handle.writeFile(Buffer.concat([header, message.raw]).subarray(bytesWritten));
          await handle.sync();
        } finally {
          await handle.close();
        }
        await fs.rename(temporary, path.join(deps.spoolDir, name));
        // The rename is durable once the folder is synced; renames that happen while a folder sync
        // runs share the next one (one fsync for a burst of messages, never one that started earlier).
        await syncSpool();
        return { ok: true, detail: `spooled as ${name}`, refusedRecipients: [] };
      } catch (error) {
        return {
          ok: false,
          kind: 'temporary',
          responseCode: null,
          message: `local spool unavailable (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        };
      }
    },
    async check() {
      try {
        await prepare();
        await fs.access(tmpDir, constants.W_OK);
        return { ok: true };
      } catch (error) {
        return { ok: false, message: `spool folder not writable (${(error as NodeJS.ErrnoException).code})` };
      }
    },
    async close() {},
  };
}

function envelopeHeaders(message: OutboundMessage): Buffer {
  const lines = [
    `Return-Path: <${message.from}>`,
    ...message.to.map((to) => `X-Mailwarden-Rcpt-To: <${to}>`),
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Group commit for an fsync: a caller waits for a sync that *starts after* it called, so whatever it
 * did before (a rename) is covered; callers that arrive while a sync runs share the next one.
 */
export function createCoalescedSync(sync: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const start = (): Promise<void> => {
    const current = sync().finally(() => {
      if (running === current) running = null;
    });
    running = current;
    return current;
  };
  return () => {
    if (!running) return start();
    // One sync is in flight: it may have started before our change. Share the one after it.
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = null;
        return start();
      });
    return next;
  };
}
