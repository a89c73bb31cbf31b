import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Appends one anchor line. The file is opened with O_APPEND and written with one write() of a line
 * far below a page: on a local Linux file system such a write lands whole at the end of the file
 * even when the server and a CLI process append at the same moment, so lines never interleave.
 * Synced before it counts: an anchor that a crash takes back proves nothing.
 */
export async function appendAnchorLine(file: string, line: string): Promise<{ created: boolean }> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let created = true;
  try {
    await fs.access(file);
    created = false;
  } catch {}
  const handle = await fs.open(file, 'a', 0o600);
  try {
    await handle.write(line);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return { created };
}

/** Every line of the file (null: there is no file yet), without a torn last line (see below). */
export async function readAnchorLines(file: string): Promise<string[] | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return completeLines(text);
}

/**
 * The last lines of the file, from its last `bytes` bytes (null: no file): where the newest anchor
 * is, without reading a year of anchors at every start.
 */
export async function readLastAnchorLines(file: string, bytes = 65_536): Promise<string[] | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = completeLines(buffer.toString('utf8'));
    // The first line of a slice may be the end of a longer one.
    return start > 0 ? lines.slice(1) : lines;
  } finally {
    await handle.close();
  }
}

/**
 * Lines ending in a newline. A last line without one is a write a crash interrupted (every anchor is
 * written whole with its newline), so it is left out rather than reported as forged.
 */
function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

export type AppendOnlyOutcome = { ok: true; how: 'set' | 'already' } | { ok: false; reason: string };

/**
 * Asks the file system to refuse anything but appends to the file (`chattr +a`, ext4/xfs/btrfs):
 * then even the process that writes it cannot truncate or rewrite it, and only root can lift the
 * flag. Setting it takes CAP_LINUX_IMMUTABLE, which a service account lacks, so this is best
 * effort: an administrator can set it once as root (docs/OPERATIONS.md).
 */
export async function makeAppendOnly(file: string): Promise<AppendOnlyOutcome> {
  const run = (command: string, args: string[]) =>
    new Promise<{ ok: boolean; output: string }>((resolve) => {
      execFile(command, args, { timeout: 5000 }, (error, stdout, stderr) =>
        resolve({ ok: !error, output: `${stdout}${stderr}`.trim() || String(error?.message ?? '') }),
      );
    });
  const set = await run('chattr', ['+a', file]);
  if (set.ok) return { ok: true, how: 'set' };
  const flags = await run('lsattr', ['-d', file]);
  // lsattr prints "-----a--------e------- /path": the flags, then the name.
  if (flags.ok && /^\S*a\S*\s/.test(flags.output)) return { ok: true, how: 'already' };
  return { ok: false, reason: set.output || 'chattr failed' };
}
