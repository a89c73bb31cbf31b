import type { Restriction } from '../../outbound/index.js';
import { type CliCommand, type CommandContext, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

function describeRestriction(context: CommandContext, restriction: Restriction): void {
  const evidence = restriction.evidence;
  writeTable(
    context.io.stdout,
    ['FIELD', 'VALUE'],
    [
      ['mailbox', restriction.mailbox],
      ['restricted since', restriction.since],
      ['why', `${restriction.reason} (policy ${restriction.policyName} v${evidence.policyVersion})`],
      [
        'counts',
        Object.entries(evidence.counts)
          .map(([key, value]) => `${key} ${value}`)
          .join(', '),
      ],
      [
        'lifted',
        restriction.until ? `automatically at ${restriction.until}` : 'when an administrator releases it',
      ],
      ['messages in the hour before', String(evidence.messagesLastHour)],
      ['sample subjects', evidence.sampleSubjects.join(' | ')],
      ['recipient domains', evidence.recipientDomains.map((d) => `${d.domain} (${d.recipients})`).join(', ')],
      ['source IPs', evidence.sourceIps.join(', ')],
      [
        'released',
        restriction.released
          ? `${restriction.released.at} by ${restriction.released.by}${restriction.released.forced ? ' (forced)' : ''}: ${restriction.released.reason}`
          : 'no',
      ],
    ],
  );
}

export const restrictedCommands: CliCommand[] = [
  {
    path: ['restricted', 'list'],
    args: [],
    summary: 'List accounts restricted from sending: who, since when, why.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const restricted = await app.outbound.listRestricted();
        if (context.json) writeJson(context.io.stdout, restricted);
        else
          writeTable(
            context.io.stdout,
            ['MAILBOX', 'SINCE', 'REASON', 'UNTIL', 'SUBJECTS'],
            restricted.map((r) => [
              r.mailbox,
              r.since,
              r.reason,
              r.until ?? 'released by an admin',
              r.evidence.sampleSubjects.slice(0, 2).join(' | '),
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['restricted', 'show'],
    args: ['<user>'],
    summary:
      'Show why a user was restricted: limit or verdicts, counts, subjects, recipient domains, source IPs.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.outbound.restrictionsOf(context.args[0]!);
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.restrictions);
        else if (outcome.restrictions.length === 0)
          writeLine(context.io.stdout, `${context.args[0]} was never restricted`);
        else
          for (const restriction of outcome.restrictions) {
            describeRestriction(context, restriction);
            writeLine(context.io.stdout);
          }
        return 0;
      }),
  },
  {
    path: ['restricted', 'release'],
    args: ['<user>'],
    summary: 'Release a restricted sender once the account is secured (--force overrides the checks).',
    flags: { reason: true, force: false },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const reason = context.flags['reason'];
        if (typeof reason !== 'string')
          throw new UsageError('--reason "…" is required: every release is audited with its reason');
        const outcome = await app.outbound.release(
          context.args[0]!,
          { reason, force: context.flags['force'] === true },
          cliActor(context.io),
        );
        if (!outcome.ok) {
          if (context.json)
            writeJson(context.io.stdout, {
              ok: false,
              error: { code: outcome.code, message: outcome.message, unmetChecks: outcome.unmetChecks ?? [] },
            });
          writeLine(context.io.stderr, `mailwarden: ${outcome.message} (${outcome.code})`);
          return 1;
        }
        if (context.json) writeJson(context.io.stdout, outcome.restriction);
        else
          writeLine(
            context.io.stdout,
            `released ${outcome.restriction.mailbox}${outcome.restriction.released?.forced ? ' (forced)' : ''}`,
          );
        return 0;
      }),
  },
];
