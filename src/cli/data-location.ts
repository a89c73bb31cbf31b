import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';
import type { CliIo } from './cli-context.js';

/**
 * Where the CLI finds the server's data. An admin runs `mailwarden` from any folder (a shell in
 * their home, cron, sudo), so a relative `./data` alone would quietly open an empty store beside
 * them. The configuration is found the way the server's is — `--config`, then MAILWARDEN_CONFIG —
 * and otherwise in these files, first found wins.
 */
export const CONFIG_FILE_CANDIDATES = ['./mailwarden.yaml', '/etc/mailwarden/mailwarden.yaml'] as const;

/** The SQLite file the store opens in data.dir (store/store.ts). */
const SQLITE_FILE = 'mailwarden.sqlite';

export interface ConfigFileChoice {
  file: string | undefined;
  /** How it was chosen, for messages: "--config", "MAILWARDEN_CONFIG", "found", or "none". */
  origin: '--config' | 'MAILWARDEN_CONFIG' | 'found' | 'none';
}

export function chooseConfigFile(io: CliIo, configFile: string | undefined): ConfigFileChoice {
  if (configFile) return { file: configFile, origin: '--config' };
  const named = io.env['MAILWARDEN_CONFIG'];
  if (named) return { file: named, origin: 'MAILWARDEN_CONFIG' };
  const found = CONFIG_FILE_CANDIDATES.find((candidate) => existsSync(candidate));
  return found ? { file: found, origin: 'found' } : { file: undefined, origin: 'none' };
}

/** What a command may do to the data directory. */
export type DataUse = 'existing' | 'creates' | 'none';

export type DataCheck = { ok: true } | { ok: false; message: string };

/**
 * Checks, before anything is opened, that the data a command reads is there and usable: a command
 * that reads data refuses instead of creating an empty store, and a permission problem names the
 * path and the access it needs instead of surfacing as an internal error.
 */
export function checkDataDir(config: Config, use: DataUse, choice: ConfigFileChoice): DataCheck {
  if (use === 'none') return { ok: true };
  const dir = path.resolve(config.data.dir);
  // PostgreSQL holds the data; data.dir still holds keys and the spool, created when needed.
  if (config.database.url === null) {
    const file = path.join(dir, SQLITE_FILE);
    if (!existsSync(file)) {
      if (use === 'existing') return { ok: false, message: noDataMessage(dir, choice) };
      return writable(nearestExisting(dir), dir);
    }
    const access = writable(dir, dir);
    if (!access.ok) return access;
    return writable(file, dir);
  }
  return existsSync(dir) ? writable(dir, dir) : { ok: true };
}

function noDataMessage(dir: string, choice: ConfigFileChoice): string {
  const from =
    choice.origin === 'none'
      ? `no config file given or found (looked for ${CONFIG_FILE_CANDIDATES.join(' and ')})`
      : `config file ${path.resolve(choice.file ?? '')} (${choice.origin === 'found' ? 'found' : `from ${choice.origin}`})`;
  return [
    `no Mailwarden data in ${dir} (no ${SQLITE_FILE}; ${from}).`,
    'Point the command at the data the server uses: MAILWARDEN_DATA_DIR=<folder>, MAILWARDEN_CONFIG=<file>',
    'or --config <file> (see docs/CONFIGURATION.md), or run it in the folder where the server runs.',
    `To start a new installation here: mailwarden init (or mailwarden serve).`,
  ].join('\n  ');
}

function writable(target: string, dir: string): DataCheck {
  try {
    accessSync(target, constants.R_OK | constants.W_OK);
    return { ok: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error;
    return { ok: false, message: permissionMessage(target, dir, code) };
  }
}

/** What to fix when the file system refuses: which path, and the access the process needs. */
export function permissionMessage(target: string, dir: string, code: string | undefined): string {
  const who = typeof process.getuid === 'function' ? `user id ${process.getuid()}` : 'this user';
  const fix =
    code === 'EROFS'
      ? 'it is on a read-only file system'
      : `${who} needs read and write permission on it (for example: chown -R <service user> ${dir})`;
  return `cannot write ${target}: ${fix}. The data directory is ${dir} (data.dir, MAILWARDEN_DATA_DIR).`;
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}
