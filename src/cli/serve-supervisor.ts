import cluster from 'node:cluster';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, loadConfig, workerCount } from '../config/index.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { superviseWorkers, workerExecArgv } from '../worker-pool.js';
import type { CliIo } from './cli-context.js';
import { checkDataDir, chooseConfigFile } from './data-location.js';

/**
 * `mailwarden serve` with `workers` > 1: runs the supervisor (worker-pool.ts) and returns its exit
 * status; null for everything else, which bin/mailwarden.js then hands to the CLI. It is imported
 * before the CLI so that the supervisor, which lives as long as the service, never loads the server's
 * modules (about 65 MB PSS a worker, bench/idle-sessions). A configuration with problems is left to the CLI, which reports
 * it as `serve` always has.
 */
export async function superviseIfAsked(argv: readonly string[], io: CliIo): Promise<number | null> {
  if (argv[0] !== 'serve' || !cluster.isPrimary) return null;
  let configFile: string | undefined;
  try {
    const parsed = parseArgs({
      args: [...argv.slice(1)],
      options: { config: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: false,
      strict: true,
    });
    configFile = parsed.values.config;
  } catch {
    return null;
  }
  const choice = chooseConfigFile(io, configFile);
  const loaded = loadConfig({ env: io.env, file: choice.file });
  if (!loaded.ok) return null;
  const count =
    workerCount(
      loaded.config.workers,
      os.availableParallelism(),
      loaded.config.database.url ? 'postgres' : 'sqlite',
    ) ?? 1;
  if (count === 1 || !checkDataDir(loaded.config, 'creates', choice).ok) return null;
  const logger = createLogger({ level: loaded.config.log.level, sink: io.stderr });
  warnOrphanedEventSpools(loaded.config, count, logger);
  return superviseWorkers({
    count,
    logger,
    describe: {},
    // A worker drains for shutdown.graceMs, then closes its store and audit log.
    stopTimeoutMs: loaded.config.shutdown.graceMs + 15_000,
    execArgv: workerExecArgv(process.execArgv, io.env['NODE_OPTIONS']),
  });
}

/**
 * Dovecot events accepted by a worker numbered above `count` (the host ran more workers before) wait
 * in its spool (app.ts dovecotSpool) until a worker of that number runs again.
 */
function warnOrphanedEventSpools(config: Config, count: number, logger: Logger): void {
  let names: string[];
  try {
    names = readdirSync(config.data.dir);
  } catch {
    return;
  }
  for (const name of names) {
    const slot = Number(/^dovecot-events-(\d+)$/.exec(name)?.[1] ?? 0);
    if (slot <= count) continue;
    const dir = path.join(config.data.dir, name);
    let files: string[] = [];
    try {
      files = readdirSync(dir);
    } catch {}
    if (files.some((file) => file.endsWith('.jsonl')))
      logger.warn('Dovecot events may wait in the spool of a worker this start does not run', {
        spool: dir,
        fix: `start once with MAILWARDEN_WORKERS=${slot} until that spool is empty`,
      });
  }
}
