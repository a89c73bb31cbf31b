import type { AppPassword, SignInEntry } from '../../identity/index.js';
import { type CliCommand, type CommandContext, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { parseTime } from '../parse-time.js';
import { reportFailure } from '../report-failure.js';

/** App passwords, admin reset and unlock, and the sign-in log. */

function stringFlag(context: CommandContext, name: string): string | undefined {
  const value = context.flags[name];
  if (typeof value === 'boolean') throw new UsageError(`--${name} needs a value`);
  return value;
}

function printAppPasswords(context: CommandContext, list: AppPassword[]): void {
  writeTable(
    context.io.stdout,
    ['NAME', 'SCOPES', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED'],
    list.map((entry) => [
      entry.name,
      entry.scopes.join(','),
      entry.state,
      entry.createdAt,
      entry.expiresAt ?? 'never',
      entry.lastUsedAt
        ? `${entry.lastUsedAt} ${entry.lastUsedProtocol ?? ''} ${entry.lastUsedIp ?? ''}`.trim()
        : 'never',
    ]),
  );
}

function printSignIns(context: CommandContext, entries: SignInEntry[]): void {
  writeTable(
    context.io.stdout,
    ['TIME', 'ACCOUNT', 'PROTOCOL', 'CLIENT IP', 'COUNTRY', 'RESULT', 'REASON', 'RISK'],
    entries.map((entry) => [
      entry.at,
      entry.login,
      entry.protocol,
      entry.clientIp ?? '',
      entry.country ?? '',
      entry.result,
      entry.credential && entry.result === 'success' ? entry.credential : entry.reason,
      entry.risk.reasons.length > 0
        ? `${entry.risk.level} (${entry.risk.reasons.join(',')})`
        : entry.risk.level,
    ]),
  );
}

export const signInCommands: CliCommand[] = [
  {
    path: ['app-password', 'create'],
    args: ['<user>'],
    summary:
      'Create an app password for a mail client: --name <n> --scope smtp,imap[,pop3,sieve] [--expires-days N]. Shown once.',
    flags: { name: true, scope: true, 'expires-days': true },
    async run(context) {
      const name = stringFlag(context, 'name');
      const scope = stringFlag(context, 'scope');
      const expires = stringFlag(context, 'expires-days');
      if (name === undefined) throw new UsageError('--name <name> is required');
      if (scope === undefined) throw new UsageError('--scope smtp,imap,pop3,sieve is required');
      if (expires !== undefined && !/^\d+$/.test(expires))
        throw new UsageError('--expires-days takes a whole number of days');
      return withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.createAppPassword(
          context.args[0]!,
          { name, scopes: scope.split(','), expiresDays: expires === undefined ? null : Number(expires) },
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json)
          writeJson(context.io.stdout, {
            user: context.args[0]!.trim().toLowerCase(),
            ...outcome.appPassword,
            password: outcome.password,
          });
        else {
          writeLine(context.io.stdout, outcome.password);
          writeLine(
            context.io.stderr,
            `app password "${outcome.appPassword.name}" (${outcome.appPassword.scopes.join(', ')}) created; it is not shown again`,
          );
        }
        return 0;
      });
    },
  },
  {
    path: ['app-password', 'list'],
    args: ['<user>'],
    summary: 'List a user’s app passwords (never the secrets); --all includes revoked ones.',
    flags: { all: false },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.listAppPasswords(context.args[0]!, {
          includeRevoked: context.flags['all'] === true,
        });
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.appPasswords);
        else printAppPasswords(context, outcome.appPasswords);
        return 0;
      }),
  },
  {
    path: ['app-password', 'revoke'],
    args: ['<user>', '<name>'],
    summary: 'Revoke an app password; the next sign-in with it fails.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.revokeAppPassword(
          context.args[0]!,
          context.args[1]!,
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.appPassword);
        else writeLine(context.io.stdout, `revoked app password "${outcome.appPassword.name}"`);
        return 0;
      }),
  },
  {
    path: ['user', 'reset-password'],
    args: ['<user>'],
    summary:
      'Reset a password: prints a temporary one once, the user must change it at the next web sign-in, every session ends; --revoke-app-passwords too.',
    flags: { 'revoke-app-passwords': false },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.resetPassword(
          context.args[0]!,
          { revokeAppPasswords: context.flags['revoke-app-passwords'] === true },
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json)
          writeJson(context.io.stdout, {
            user: outcome.user.address,
            temporaryPassword: outcome.temporaryPassword,
            mustChangePassword: true,
            sessionsRevoked: true,
            revokedAppPasswords: outcome.revokedAppPasswords,
          });
        else {
          writeLine(context.io.stdout, outcome.temporaryPassword);
          writeLine(
            context.io.stderr,
            `temporary password for ${outcome.user.address} (shown once); sessions ended` +
              (outcome.revokedAppPasswords.length > 0
                ? `; revoked app passwords: ${outcome.revokedAppPasswords.join(', ')}`
                : ''),
          );
        }
        return 0;
      }),
  },
  {
    path: ['user', 'unlock'],
    args: ['<user>'],
    summary: 'Lift every smart-lockout lock of an account.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.unlockUser(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json)
          writeJson(context.io.stdout, {
            user: outcome.user.address,
            unlockedSources: outcome.unlockedSources,
          });
        else
          writeLine(
            context.io.stdout,
            outcome.unlockedSources.length > 0
              ? `unlocked ${outcome.user.address} (${outcome.unlockedSources.join(', ')})`
              : `${outcome.user.address} was not locked out`,
          );
        return 0;
      }),
  },
  {
    path: ['signins', 'list'],
    args: [],
    summary:
      'The sign-in log, newest first: [--user <address>] [--since 24h|ISO time] [--result success|failure] [--limit N].',
    flags: { user: true, since: true, result: true, limit: true },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const user = stringFlag(context, 'user');
        const since = stringFlag(context, 'since');
        const result = stringFlag(context, 'result');
        const limit = stringFlag(context, 'limit');
        if (result !== undefined && result !== 'success' && result !== 'failure')
          throw new UsageError('--result is success or failure');
        if (limit !== undefined && !/^\d+$/.test(limit)) throw new UsageError('--limit takes a number');
        const entries = await app.identity.listSignIns({
          ...(user !== undefined ? { login: user } : {}),
          ...(since !== undefined ? { sinceMs: parseTime('since', since, app.clock.nowMs()) } : {}),
          ...(result !== undefined ? { result } : {}),
          limit: limit === undefined ? 100 : Number(limit),
        });
        if (context.json) writeJson(context.io.stdout, entries);
        else printSignIns(context, entries);
        return 0;
      }),
  },
];
