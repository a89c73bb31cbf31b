import type { User } from '../../directory/index.js';
import { type CliCommand, type CommandContext, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { readSecretFromStdin, writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

async function readPassword(context: CommandContext): Promise<string> {
  if (context.flags['password-stdin'] !== true)
    throw new UsageError('pass the password on standard input with --password-stdin (never as an argument)');
  const password = await readSecretFromStdin(context.io.stdin);
  if (password === '') throw new UsageError('no password on standard input');
  return password;
}

function printUser(context: CommandContext, user: User, verb: string): number {
  if (context.json) writeJson(context.io.stdout, user);
  else writeLine(context.io.stdout, `${verb} ${user.address}`);
  return 0;
}

export const userCommands: CliCommand[] = [
  {
    path: ['user', 'add'],
    args: ['<address>'],
    summary: 'Create a user; the password is read from standard input.',
    flags: { name: true, admin: false, 'password-stdin': false },
    async run(context) {
      const password = await readPassword(context);
      return withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.createUser(
          {
            address: context.args[0]!,
            password,
            displayName: typeof context.flags['name'] === 'string' ? context.flags['name'] : null,
            role: context.flags['admin'] === true ? 'admin' : 'user',
          },
          cliActor(context.io),
        );
        return outcome.ok
          ? printUser(context, outcome.user, 'created user')
          : reportFailure(context, outcome);
      });
    },
  },
  {
    path: ['user', 'list'],
    args: [],
    summary: 'List users.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const users: User[] = [];
        let cursor: string | undefined;
        do {
          const page = await app.directory.listUsers({ limit: 1000, afterAddress: cursor });
          users.push(...page.users);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        if (context.json) writeJson(context.io.stdout, users);
        else
          writeTable(
            context.io.stdout,
            ['ADDRESS', 'NAME', 'ROLE', 'STATE', 'ALIASES'],
            users.map((user) => [
              user.address,
              user.displayName ?? '',
              user.role,
              user.disabled ? 'disabled' : 'enabled',
              user.aliases.join(','),
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['user', 'show'],
    args: ['<user>'],
    summary: 'Show one user (by address, alias or id).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const user = await app.directory.findUser(context.args[0]!);
        if (!user)
          return reportFailure(context, {
            ok: false,
            code: 'user-not-found',
            message: `no user ${context.args[0]}`,
          });
        if (context.json) writeJson(context.io.stdout, user);
        else
          writeTable(
            context.io.stdout,
            ['FIELD', 'VALUE'],
            [
              ['address', user.address],
              ['name', user.displayName ?? ''],
              ['role', user.role],
              ['state', user.disabled ? 'disabled' : 'enabled'],
              ['aliases', user.aliases.join(', ')],
              ['password changed', user.passwordChangedAt ?? 'never'],
              ['created', user.createdAt],
              ['id', user.id],
            ],
          );
        return 0;
      }),
  },
  ...(['disable', 'enable'] as const).map(
    (verb): CliCommand => ({
      path: ['user', verb],
      args: ['<user>'],
      summary:
        verb === 'disable' ? 'Disable a user: no sign-in and no sending.' : 'Enable a disabled user again.',
      flags: {},
      run: (context) =>
        withApp(context.io, context.configFile, async (app) => {
          const outcome = await app.directory.setDisabled(
            context.args[0]!,
            verb === 'disable',
            cliActor(context.io),
          );
          return outcome.ok ? printUser(context, outcome.user, `${verb}d`) : reportFailure(context, outcome);
        }),
    }),
  ),
  {
    path: ['user', 'set-password'],
    args: ['<user>'],
    summary: 'Set a user’s password, read from standard input.',
    flags: { 'password-stdin': false },
    async run(context) {
      const password = await readPassword(context);
      return withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.setPassword(context.args[0]!, password, cliActor(context.io));
        return outcome.ok
          ? printUser(context, outcome.user, 'set password of')
          : reportFailure(context, outcome);
      });
    },
  },
  {
    path: ['user', 'alias', 'add'],
    args: ['<user>', '<alias>'],
    summary: 'Add an alias address the user may also send as.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.addAlias(
          context.args[0]!,
          context.args[1]!,
          cliActor(context.io),
        );
        return outcome.ok
          ? printUser(context, outcome.user, `added alias ${context.args[1]!.toLowerCase()} to`)
          : reportFailure(context, outcome);
      }),
  },
  {
    path: ['user', 'alias', 'remove'],
    args: ['<user>', '<alias>'],
    summary: 'Remove an alias address from a user.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.removeAlias(
          context.args[0]!,
          context.args[1]!,
          cliActor(context.io),
        );
        return outcome.ok
          ? printUser(context, outcome.user, `removed alias ${context.args[1]!.trim().toLowerCase()} from`)
          : reportFailure(context, outcome);
      }),
  },
  {
    path: ['user', 'delete'],
    args: ['<user>'],
    summary:
      'Delete a user: every sign-in ends at once (sessions, API tokens, app passwords, second factors); audit records and the sign-in log stay.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.removeUser(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.user);
        else writeLine(context.io.stdout, `deleted user ${outcome.user.address}`);
        return 0;
      }),
  },
];
