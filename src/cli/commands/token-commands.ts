import { type ApiTokenRole, apiTokenRoles } from '../../directory/index.js';
import { type CliCommand, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

export const tokenCommands: CliCommand[] = [
  {
    path: ['token', 'create'],
    args: [],
    summary:
      'Create an API token; it is shown once and stored only as a hash. --owner <admin>: it honours that admin’s MFA requirement.',
    flags: { name: true, role: true, owner: true },
    async run(context) {
      const name = context.flags['name'];
      const role = context.flags['role'] ?? 'admin';
      if (typeof name !== 'string') throw new UsageError('--name <name> is required');
      if (typeof role !== 'string' || !apiTokenRoles.includes(role as ApiTokenRole))
        throw new UsageError(`--role must be one of ${apiTokenRoles.join(', ')}`);
      return withApp(context.io, context.configFile, async (app) => {
        const owner = context.flags['owner'];
        if (owner !== undefined && typeof owner !== 'string')
          throw new UsageError('--owner <admin> needs a value');
        const outcome = await app.directory.createApiToken(
          { name, role: role as ApiTokenRole, owner: owner ?? null },
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, { ...outcome.record, token: outcome.token });
        else {
          writeLine(context.io.stdout, outcome.token);
          writeLine(context.io.stderr, `token ${name} (${role}) created; it is not shown again`);
        }
        return 0;
      });
    },
  },
  {
    path: ['token', 'list'],
    args: [],
    summary: 'List API tokens (never their secrets).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const tokens = await app.directory.listApiTokens();
        if (context.json) writeJson(context.io.stdout, tokens);
        else
          writeTable(
            context.io.stdout,
            ['NAME', 'ROLE', 'STATE', 'CREATED', 'LAST USED'],
            tokens.map((token) => [
              token.name,
              token.role,
              token.revoked ? 'revoked' : 'active',
              token.createdAt,
              token.lastUsedAt ?? 'never',
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['token', 'revoke'],
    args: ['<name>'],
    summary: 'Revoke an API token at once.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.revokeApiToken(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.record);
        else writeLine(context.io.stdout, `revoked token ${outcome.record.name}`);
        return 0;
      }),
  },
];
