import { configKeys, redactConfig, toEnvironmentName } from '../../config/index.js';
import type { CliCommand } from '../cli-context.js';
import { loadCliConfig } from '../open-app.js';
import { writeJson, writeTable } from '../output.js';

export const configCommands: CliCommand[] = [
  {
    path: ['config', 'show'],
    args: [],
    summary: 'Print the effective configuration, secrets redacted.',
    flags: {},
    data: 'none',
    async run(context) {
      const config = redactConfig(loadCliConfig(context.io, context.configFile));
      if (context.json) {
        writeJson(context.io.stdout, config);
        return 0;
      }
      const valueAt = (keyPath: string) =>
        keyPath
          .split('.')
          .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], config);
      writeTable(
        context.io.stdout,
        ['KEY', 'VALUE', 'ENVIRONMENT'],
        configKeys.map((key) => [key.path, JSON.stringify(valueAt(key.path)), toEnvironmentName(key.path)]),
      );
      return 0;
    },
  },
];
