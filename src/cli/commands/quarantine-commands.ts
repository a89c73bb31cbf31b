import type { QuarantinedMessage } from '../../outbound/index.js';
import { type CliCommand, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

const statuses: readonly QuarantinedMessage['status'][] = ['held', 'released', 'deleted'];

export const quarantineCommands: CliCommand[] = [
  {
    path: ['quarantine', 'list'],
    args: [],
    summary: 'List outgoing messages held as spam (default: still held), newest first.',
    flags: { status: true, mailbox: true, limit: true },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const status = context.flags['status'] ?? 'held';
        if (!statuses.includes(status as QuarantinedMessage['status']))
          throw new UsageError(`--status must be one of ${statuses.join(', ')}`);
        const messages = await app.outbound.quarantine.list({
          status: status as QuarantinedMessage['status'],
          mailbox: typeof context.flags['mailbox'] === 'string' ? context.flags['mailbox'] : undefined,
          limit: typeof context.flags['limit'] === 'string' ? Number(context.flags['limit']) : undefined,
        });
        if (context.json) writeJson(context.io.stdout, messages);
        else
          writeTable(
            context.io.stdout,
            ['ID', 'HELD AT', 'MAILBOX', 'SCORE', 'RCPTS', 'SUBJECT'],
            messages.map((m) => [
              m.id,
              m.heldAt,
              m.mailbox,
              String(m.score),
              String(m.recipients.length),
              m.subject ?? '',
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['quarantine', 'show'],
    args: ['<id>'],
    summary: 'Show a held message: findings with their weights, recipients, policy version.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const message = await app.outbound.quarantine.get(context.args[0]!);
        if (!message)
          return reportFailure(context, {
            ok: false,
            code: 'message-not-found',
            message: `no quarantined message ${context.args[0]}`,
          });
        const { raw, ...summary } = message;
        if (context.json) writeJson(context.io.stdout, { ...summary, headers: headerBlock(raw) });
        else {
          writeLine(
            context.io.stdout,
            `${summary.subject ?? '(no subject)'} — ${summary.mailbox}, score ${summary.score}, ${summary.status}`,
          );
          writeLine(context.io.stdout, `to: ${summary.recipients.join(', ')}`);
          writeLine(context.io.stdout, `policy: ${summary.policy.name} v${summary.policy.version}`);
          for (const finding of summary.findings)
            writeLine(
              context.io.stdout,
              `  ${finding.weight.toString().padStart(5)}  ${finding.name}: ${finding.detail}`,
            );
          writeLine(context.io.stdout);
          writeLine(context.io.stdout, headerBlock(raw));
        }
        return 0;
      }),
  },
  {
    path: ['quarantine', 'release'],
    args: ['<id>'],
    summary: 'Deliver a held message as it was submitted (a false positive).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.outbound.quarantine.release(
          context.args[0]!,
          app.delivery,
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.message);
        else writeLine(context.io.stdout, `released and delivered ${outcome.message.id}`);
        return 0;
      }),
  },
  {
    path: ['quarantine', 'delete'],
    args: ['<id>'],
    summary: 'Delete a held message for good.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.outbound.quarantine.remove(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.message);
        else writeLine(context.io.stdout, `deleted ${outcome.message.id}`);
        return 0;
      }),
  },
];

/** The header block only: enough to judge a message without printing a payload. */
function headerBlock(raw: Buffer): string {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((index) => index >= 0);
  const end = ends.length > 0 ? Math.min(...ends) : raw.length;
  return raw.subarray(0, Math.min(end, 8192)).toString('utf8');
}
