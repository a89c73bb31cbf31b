import { userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { Actor } from '../audit/index.js';
import type { DataUse } from './data-location.js';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
}

/** Parsed flags of one command; values are strings, or true for flags without a value. */
export type CliFlags = Record<string, string | boolean | undefined>;

export interface CliCommand {
  /** Words that select it: ['user', 'alias', 'add']. */
  path: readonly string[];
  /** Positional arguments, for the usage line: ['<user>', '<alias>']. */
  args: readonly string[];
  summary: string;
  /** Flags it takes besides the global --json and --config; true = takes a value. */
  flags: Record<string, boolean>;
  /**
   * What it does with the data directory: by default it needs the server's existing data and refuses
   * without it; `creates` may start a new installation (serve, init, domain add); `none` opens no data.
   */
  data?: DataUse;
  run(context: CommandContext): Promise<number>;
}

export interface CommandContext {
  io: CliIo;
  args: string[];
  flags: CliFlags;
  json: boolean;
  configFile: string | undefined;
}

/** Admin actions from the command line are audited as `cli:<system user>`. */
export function cliActor(io: CliIo): Actor {
  const user = io.env['SUDO_USER'] ?? io.env['USER'] ?? io.env['LOGNAME'] ?? systemUserName();
  return { actor: `cli:${user}`, logonType: 'admin', clientInfo: 'cli' };
}

export class UsageError extends Error {}

function systemUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
