import type { ImportReport, ImportSource, SectionReport } from '../../importing/index.js';
import { SQL_PRESETS } from '../../importing/index.js';
import { type CliCommand, type CommandContext, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine } from '../output.js';
import { reportFailure } from '../report-failure.js';

const commonFlags = { 'dry-run': false, sync: false, 'default-scheme': true } as const;

function defaultScheme(context: CommandContext): string | undefined {
  const value = context.flags['default-scheme'];
  return typeof value === 'string' ? value : undefined;
}

export const importCommands: CliCommand[] = [
  {
    path: ['import', 'dovecot-passwd'],
    args: ['<file>'],
    summary:
      'Import users from a Dovecot passwd-file (user:{SCHEME}hash:uid:gid:gecos:home:shell:extra), keeping each hash; --sync also disables accounts gone from it.',
    flags: commonFlags,
    // Importing the old server's users may be how an installation begins.
    data: 'creates',
    run: (context) =>
      runImportCommand(context, {
        kind: 'dovecot-passwd',
        file: context.args[0]!,
        defaultScheme: defaultScheme(context),
      }),
  },
  {
    path: ['import', 'sql'],
    args: [],
    summary: `Import domains, users and aliases from another product's database: --url mysql://…|postgres://…|sqlite:///path --preset ${SQL_PRESETS.join('|')}.`,
    flags: { ...commonFlags, url: true, preset: true },
    data: 'creates',
    run: (context) => {
      const url = context.flags['url'];
      const preset = context.flags['preset'];
      if (typeof url !== 'string') throw new UsageError('--url is required');
      if (typeof preset !== 'string' || !(SQL_PRESETS as readonly string[]).includes(preset))
        throw new UsageError(`--preset must be one of ${SQL_PRESETS.join(', ')}`);
      return runImportCommand(context, {
        kind: 'sql',
        url,
        preset: preset as (typeof SQL_PRESETS)[number],
        defaultScheme: defaultScheme(context),
      });
    },
  },
  {
    path: ['import', 'csv'],
    args: ['<file>'],
    summary: 'Import users from a CSV file: address,name,password_hash[,admin][,disabled].',
    flags: commonFlags,
    data: 'creates',
    run: (context) =>
      runImportCommand(context, {
        kind: 'csv',
        file: context.args[0]!,
        defaultScheme: defaultScheme(context),
      }),
  },
];

async function runImportCommand(context: CommandContext, source: ImportSource): Promise<number> {
  return withApp(context.io, context.configFile, async (app) => {
    const outcome = await app.importing.run(source, {
      dryRun: context.flags['dry-run'] === true,
      sync: context.flags['sync'] === true,
      actor: cliActor(context.io),
    });
    if (!outcome.ok) return reportFailure(context, outcome);
    if (context.json) writeJson(context.io.stdout, outcome.report);
    else writeReport(context, outcome.report);
    return 0;
  });
}

function writeReport(context: CommandContext, report: ImportReport): void {
  const out = context.io.stdout;
  writeLine(
    out,
    `${report.dryRun ? 'dry run (nothing changed): ' : ''}import from ${report.source}${report.sync ? ' (sync)' : ''}`,
  );
  for (const section of ['domains', 'users', 'aliases'] as const) {
    const part: SectionReport = report[section];
    writeLine(
      out,
      `${section}: ${part.created} created, ${part.updated} updated, ${part.unchanged} unchanged, ${part.skipped} skipped`,
    );
    for (const line of part.entries) {
      const where = line.at ? ` (${line.at})` : '';
      const what = line.changes ? `: ${line.changes.join(', ')}` : '';
      const why = line.reason ? ` — ${line.reason}` : '';
      writeLine(out, `  ${line.outcome} ${line.name ?? '?'}${where}${what}${why}`);
    }
    if (part.entriesOmitted > 0)
      writeLine(out, `  … and ${part.entriesOmitted} more not listed (see --json counts)`);
  }
  if (report.users.withoutPassword.length > 0) {
    writeLine(out, `without a usable password (set one with: mailwarden user set-password <user>):`);
    for (const address of report.users.withoutPassword) writeLine(out, `  ${address}`);
  }
}
