import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A file or folder of the data dir that other local accounts can read or enter. */
export interface LoosePermission {
  path: string;
  /** Its mode now, octal ('0644'). */
  mode: string;
  /** What Mailwarden creates it with. */
  wanted: '0700' | '0600';
}

/** Folders whose files are checked one by one (the spool's messages are covered by their folder). */
const CHECKED_SUBFOLDERS = ['tls', 'keys', 'send-journal'];

/**
 * The data dir's entries that group or others can read: the dir itself, what lies at its top
 * (database, WAL and SHM files, spool and event folders) and the files of tls/, keys/ and
 * send-journal/ (the recipients and subjects of messages in flight). The
 * database holds password and token hashes and the audit log; keys/ the key that seals secrets.
 * A certificate (`*cert.pem`) is public and may stay readable.
 */
export async function findLoosePermissions(dataDir: string): Promise<LoosePermission[]> {
  const loose: LoosePermission[] = [];
  const check = async (file: string) => {
    const stat = await fs.lstat(file).catch(() => null);
    if (!stat || stat.isSymbolicLink()) return;
    if (stat.isFile() && file.endsWith('cert.pem')) return;
    if ((stat.mode & 0o077) === 0) return;
    loose.push({
      path: file,
      mode: `0${(stat.mode & 0o777).toString(8)}`,
      wanted: stat.isDirectory() ? '0700' : '0600',
    });
  };
  await check(dataDir);
  const entries = await fs.readdir(dataDir).catch(() => [] as string[]);
  for (const entry of entries) await check(path.join(dataDir, entry));
  for (const folder of CHECKED_SUBFOLDERS) {
    const files = await fs.readdir(path.join(dataDir, folder)).catch(() => [] as string[]);
    for (const file of files) await check(path.join(dataDir, folder, file));
  }
  await check(path.join(dataDir, 'spool', 'tmp'));
  return loose;
}
