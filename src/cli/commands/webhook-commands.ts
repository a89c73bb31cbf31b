import { type CliCommand, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

export const webhookCommands: CliCommand[] = [
  {
    path: ['webhook', 'add'],
    args: ['<name>'],
    summary:
      'Send every alert to a URL as a signed JSON POST; the signing secret is shown once (docs/NOTIFICATIONS.md).',
    flags: { url: true },
    async run(context) {
      const url = context.flags['url'];
      if (typeof url !== 'string') throw new UsageError('--url <https-or-http-url> is required');
      return withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.notifier.addWebhook({ name: context.args[0]!, url }, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, { ...outcome.webhook, secret: outcome.secret });
        else {
          writeLine(context.io.stdout, outcome.secret);
          writeLine(
            context.io.stderr,
            `webhook ${outcome.webhook.name} added; above is its signing secret, which is not shown again`,
          );
        }
        return 0;
      });
    },
  },
  {
    path: ['webhook', 'list'],
    args: [],
    summary: 'List webhooks (never their secrets).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const webhooks = await app.notifier.listWebhooks();
        if (context.json) writeJson(context.io.stdout, webhooks);
        else
          writeTable(
            context.io.stdout,
            ['NAME', 'STATE', 'CREATED', 'URL'],
            webhooks.map((webhook) => [
              webhook.name,
              webhook.active ? 'active' : 'disabled',
              webhook.createdAt,
              webhook.url,
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['webhook', 'remove'],
    args: ['<name>'],
    summary: 'Remove a webhook; deliveries still waiting for it are given up.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.notifier.removeWebhook(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.webhook);
        else writeLine(context.io.stdout, `removed webhook ${outcome.webhook.name}`);
        return 0;
      }),
  },
  {
    path: ['webhook', 'deliveries'],
    args: [],
    summary: 'The notification delivery log (webhooks and admin email), newest first.',
    flags: { limit: true },
    async run(context) {
      const limit = context.flags['limit'] === undefined ? 50 : Number(context.flags['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new UsageError('--limit must be a whole number from 1 to 1000');
      return withApp(context.io, context.configFile, async (app) => {
        const deliveries = await app.notifier.listDeliveries({ limit });
        if (context.json) writeJson(context.io.stdout, deliveries);
        else
          writeTable(
            context.io.stdout,
            ['CREATED', 'CHANNEL', 'TARGET', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT', 'ALERT', 'LAST ERROR'],
            deliveries.map((delivery) => [
              delivery.createdAt,
              delivery.channel,
              delivery.channel === 'webhook' ? (delivery.webhookName ?? delivery.target) : delivery.target,
              delivery.status,
              String(delivery.attempts),
              delivery.nextAttemptAt ?? '-',
              delivery.alertId ?? '-',
              delivery.lastError ?? '',
            ]),
          );
        return 0;
      });
    },
  },
];
