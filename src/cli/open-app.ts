import { type App, buildApp } from '../app.js';
import { type Config, loadConfig } from '../config/index.js';
import { createLogger } from '../runtime/logger.js';
import type { CliIo } from './cli-context.js';
import { chooseConfigFile } from './data-location.js';

export class ConfigProblems extends Error {
  constructor(readonly problems: string[]) {
    super('configuration problems');
  }
}

export function loadCliConfig(io: CliIo, configFile: string | undefined): Config {
  const outcome = loadConfig({ env: io.env, file: chooseConfigFile(io, configFile).file });
  if (!outcome.ok) throw new ConfigProblems(outcome.problems);
  return outcome.config;
}

/** The same modules and store the server uses, so the CLI and the server always agree. */
export async function withApp<T>(
  io: CliIo,
  configFile: string | undefined,
  work: (app: App) => Promise<T>,
): Promise<T> {
  const config = loadCliConfig(io, configFile);
  const logger = createLogger({ level: config.log.level === 'debug' ? 'debug' : 'warn', sink: io.stderr });
  const app = await buildApp(config, { logger });
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}
