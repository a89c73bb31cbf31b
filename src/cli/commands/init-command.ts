import path from 'node:path';
import type { CliCommand } from '../cli-context.js';
import { loadCliConfig, withApp } from '../open-app.js';
import { writeLine } from '../output.js';

/** Creates the data directory and database (or brings an existing one up to date) and says where. */
export const initCommand: CliCommand = {
  path: ['init'],
  args: [],
  summary: 'Create the data directory and database (SQLite in data.dir, or PostgreSQL) without starting.',
  flags: {},
  data: 'creates',
  async run(context) {
    const config = loadCliConfig(context.io, context.configFile);
    await withApp(context.io, context.configFile, async () => undefined);
    const where = config.database.url === null ? path.resolve(config.data.dir) : 'PostgreSQL (database.url)';
    writeLine(context.io.stdout, `Mailwarden data ready in ${where}`);
    return 0;
  },
};
