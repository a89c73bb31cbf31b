import { type CliCommand, cliActor } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

export const domainCommands: CliCommand[] = [
  {
    path: ['domain', 'add'],
    args: ['<domain>'],
    summary: 'Add a domain the organization owns (users and aliases must be in one).',
    flags: {},
    // Adding the first domain is how an installation begins, so it may create the data.
    data: 'creates',
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.addDomain(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.domain);
        else writeLine(context.io.stdout, `added domain ${outcome.domain.name}`);
        return 0;
      }),
  },
  {
    path: ['domain', 'list'],
    args: [],
    summary: 'List the domains of the organization.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const domains = await app.directory.listDomains();
        if (context.json) writeJson(context.io.stdout, domains);
        else
          writeTable(
            context.io.stdout,
            ['DOMAIN', 'ADDED'],
            domains.map((domain) => [domain.name, domain.createdAt]),
          );
        return 0;
      }),
  },
  {
    path: ['domain', 'remove'],
    args: ['<domain>'],
    summary:
      'Remove a domain; refused while users or aliases are in it, unless --with-users (which deletes them, each audited).',
    flags: { 'with-users': false },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.removeDomain(
          context.args[0]!,
          { withUsers: context.flags['with-users'] === true },
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        const { domain } = outcome;
        if (context.json) writeJson(context.io.stdout, domain);
        else {
          for (const user of domain.removedUsers) writeLine(context.io.stdout, `deleted user ${user}`);
          for (const alias of domain.removedAliases) writeLine(context.io.stdout, `removed alias ${alias}`);
          writeLine(context.io.stdout, `removed domain ${domain.name}`);
        }
        return 0;
      }),
  },
];
