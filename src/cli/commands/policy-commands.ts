import type { SendingPolicy } from '../../outbound/index.js';
import { type CliCommand, type CommandContext, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

/** CLI flag → policy setting; values are validated (with their ranges) by the outbound module. */
const settingFlags: Record<string, string> = {
  'external-per-hour': 'externalPerHour',
  'internal-per-hour': 'internalPerHour',
  'per-day': 'perDay',
  'per-message': 'perMessage',
  'per-minute': 'perMinute',
  action: 'action',
  'external-forwarding': 'externalForwarding',
  'spam-score': 'spamScore',
  'spam-action': 'spamAction',
  'spam-verdicts-to-restrict': 'spamVerdictsToRestrict',
  'spam-window-minutes': 'spamWindowMinutes',
  'early-warning-percent': 'earlyWarningPercent',
};

function list(value: string | boolean | undefined): string[] | undefined {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
    : undefined;
}

function describePolicy(context: CommandContext, policy: SendingPolicy): void {
  const s = policy.settings;
  const scope = [
    ...policy.scope.users.map((user) => `user:${user}`),
    ...policy.scope.groups.map((group) => `group:${group}`),
    ...policy.scope.domains.map((domain) => `domain:${domain}`),
  ];
  writeTable(
    context.io.stdout,
    ['SETTING', 'VALUE'],
    [
      ['name', policy.name],
      ['applies to', policy.name === 'default' ? 'everyone not matched by another policy' : scope.join(', ')],
      ['priority', policy.name === 'default' ? 'last' : String(policy.priority)],
      ['external recipients per hour', String(s.externalPerHour)],
      ['internal recipients per hour', String(s.internalPerHour)],
      ['recipients per day', String(s.perDay)],
      ['recipients per message', String(s.perMessage)],
      ['messages per minute', String(s.perMinute)],
      ['action when a limit is reached', s.action],
      ['automatic external forwarding', s.externalForwarding],
      ['spam score / action', `${s.spamScore} / ${s.spamAction}`],
      ['spam verdicts that restrict', `${s.spamVerdictsToRestrict} in ${s.spamWindowMinutes} min`],
      ['early warning at', `${s.earlyWarningPercent}% of a limit`],
      ['version', String(policy.version)],
    ],
  );
}

export const policyCommands: CliCommand[] = [
  {
    path: ['policy', 'list'],
    args: [],
    summary: 'List sending policies in the order they match (the default policy last).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const policies = await app.outbound.listPolicies();
        if (context.json) writeJson(context.io.stdout, policies);
        else
          writeTable(
            context.io.stdout,
            ['NAME', 'PRIORITY', 'EXT/H', 'INT/H', 'DAY', 'MSG', 'MIN', 'ACTION', 'SCOPE'],
            policies.map((p) => [
              p.name,
              p.name === 'default' ? 'last' : String(p.priority),
              String(p.settings.externalPerHour),
              String(p.settings.internalPerHour),
              String(p.settings.perDay),
              String(p.settings.perMessage),
              String(p.settings.perMinute),
              p.settings.action,
              [
                ...p.scope.users,
                ...p.scope.groups.map((g) => `group:${g}`),
                ...p.scope.domains.map((d) => `@${d}`),
              ].join(','),
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['policy', 'show'],
    args: ['[name]'],
    summary: 'Show a policy (default: the default policy), or the one that applies to --user.',
    flags: { user: true },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const name = context.args[0] ?? 'default';
        const user = context.flags['user'];
        const policy =
          typeof user === 'string'
            ? await app.outbound.effectivePolicy(user)
            : await app.outbound.getPolicy(name);
        if (!policy) {
          const message = typeof user === 'string' ? `no user ${user}` : `no sending policy ${name}`;
          return reportFailure(context, {
            ok: false,
            code: typeof user === 'string' ? 'user-not-found' : 'policy-not-found',
            message,
          });
        }
        if (context.json) writeJson(context.io.stdout, policy);
        else describePolicy(context, policy);
        return 0;
      }),
  },
  {
    path: ['policy', 'set'],
    args: ['<name>'],
    summary: 'Create or change a sending policy ("default" applies to everyone else).',
    flags: {
      ...Object.fromEntries(Object.keys(settingFlags).map((flag) => [flag, true])),
      users: true,
      groups: true,
      domains: true,
      priority: true,
    },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const settings: Record<string, unknown> = {};
        for (const [flag, setting] of Object.entries(settingFlags)) {
          const value = context.flags[flag];
          if (typeof value === 'string') settings[setting] = value;
        }
        const priorityFlag = context.flags['priority'];
        let priority: number | undefined;
        if (typeof priorityFlag === 'string') {
          priority = Number(priorityFlag);
          if (!/^\d+$/.test(priorityFlag)) throw new UsageError('--priority must be a whole number');
        }
        const outcome = await app.outbound.setPolicy(
          context.args[0]!,
          {
            settings,
            scope: {
              users: list(context.flags['users']),
              groups: list(context.flags['groups']),
              domains: list(context.flags['domains']),
            },
            priority,
          },
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.policy);
        else
          writeLine(
            context.io.stdout,
            `policy ${outcome.policy.name} saved (version ${outcome.policy.version})`,
          );
        return 0;
      }),
  },
  {
    path: ['policy', 'delete'],
    args: ['<name>'],
    summary: 'Delete a scoped sending policy (its users fall back to the next match).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.outbound.deletePolicy(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, { ok: true });
        else writeLine(context.io.stdout, `policy ${context.args[0]} deleted`);
        return 0;
      }),
  },
];
