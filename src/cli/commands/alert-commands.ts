import type { AlertStatus } from '../../alerts/index.js';
import { type CliCommand, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

const statuses: readonly AlertStatus[] = ['new', 'acknowledged', 'resolved'];

export const alertCommands: CliCommand[] = [
  {
    path: ['alerts', 'list'],
    args: [],
    summary: 'List alerts, newest first (--status new|acknowledged|resolved, --mailbox).',
    flags: { status: true, mailbox: true, limit: true },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const status = context.flags['status'];
        if (status !== undefined && !statuses.includes(status as AlertStatus))
          throw new UsageError(`--status must be one of ${statuses.join(', ')}`);
        const alerts = await app.alerts.list({
          status: status as AlertStatus | undefined,
          mailbox: typeof context.flags['mailbox'] === 'string' ? context.flags['mailbox'] : undefined,
          limit: typeof context.flags['limit'] === 'string' ? Number(context.flags['limit']) : undefined,
        });
        if (context.json) writeJson(context.io.stdout, alerts);
        else
          writeTable(
            context.io.stdout,
            ['ID', 'SEVERITY', 'STATUS', 'COUNT', 'LAST', 'MAILBOX', 'ALERT'],
            alerts.map((a) => [
              a.id,
              a.severity,
              a.status,
              String(a.count),
              a.lastAt,
              a.mailbox ?? '',
              a.title,
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['alerts', 'show'],
    args: ['<id>'],
    summary: 'Show one alert with its evidence.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const alert = await app.alerts.get(context.args[0]!);
        if (!alert)
          return reportFailure(context, {
            ok: false,
            code: 'alert-not-found',
            message: `no alert ${context.args[0]}`,
          });
        if (context.json) writeJson(context.io.stdout, alert);
        else {
          writeLine(context.io.stdout, `${alert.title} [${alert.severity}, ${alert.status}]`);
          writeLine(
            context.io.stdout,
            `mailbox: ${alert.mailbox ?? '-'}; ${alert.count}× from ${alert.firstAt} to ${alert.lastAt}`,
          );
          writeLine(context.io.stdout, JSON.stringify(alert.evidence, null, 2));
        }
        return 0;
      }),
  },
  ...(['ack', 'resolve'] as const).map(
    (verb): CliCommand => ({
      path: ['alerts', verb],
      args: ['<id>'],
      summary: verb === 'ack' ? 'Acknowledge an alert (someone is on it).' : 'Resolve an alert.',
      flags: {},
      run: (context) =>
        withApp(context.io, context.configFile, async (app) => {
          const outcome = await app.alerts.setStatus(
            context.args[0]!,
            verb === 'ack' ? 'acknowledged' : 'resolved',
            cliActor(context.io),
          );
          if (!outcome.ok) return reportFailure(context, outcome);
          if (context.json) writeJson(context.io.stdout, outcome.alert);
          else writeLine(context.io.stdout, `alert ${outcome.alert.id} ${outcome.alert.status}`);
          return 0;
        }),
    }),
  ),
];
