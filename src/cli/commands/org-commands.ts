import { type CliCommand, cliActor } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

export const orgCommands: CliCommand[] = [
  {
    path: ['org', 'show'],
    args: [],
    summary:
      'Show the org-wide settings (MFA, mail sign-in, passwords, lockout, risk), defaults and changes.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const entries = await app.settings.describe();
        if (context.json) writeJson(context.io.stdout, entries);
        else
          writeTable(
            context.io.stdout,
            ['SETTING', 'VALUE', 'DEFAULT', 'CHANGED', 'MEANING'],
            entries.map((entry) => [
              entry.key,
              String(entry.value),
              String(entry.default),
              entry.updatedAt ? `${entry.updatedAt} by ${entry.updatedBy}` : '-',
              entry.description,
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['org', 'set'],
    args: ['<setting>', '<value>'],
    summary: 'Change an org-wide setting (audited), e.g. mailwarden org set mfa.requireForAll true',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const [key, value] = context.args as [string, string];
        const outcome = await app.settings.change({ [key]: value }, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json)
          writeJson(context.io.stdout, { settings: outcome.settings, changed: outcome.changed });
        else
          writeLine(
            context.io.stdout,
            outcome.changed.length > 0
              ? `${key} is now ${String(outcome.settings[key as keyof typeof outcome.settings])}`
              : `${key} was already ${value}`,
          );
        return 0;
      }),
  },
];
