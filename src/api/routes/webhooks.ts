import { type Context, Hono } from 'hono';
import { errorResponse } from '../../http-status/index.js';
import type { Notifier, NotifyFailure, NotifyFailureCode } from '../../notify/index.js';
import type { ApiEnv } from '../api-env.js';
import { deliveryListQuery, newWebhookBody } from '../request-schemas.js';
import { jsonBody, queryParams } from '../validate.js';

/** /api/v1/webhooks: signed alert webhooks and their delivery log. Secrets are shown once, on add. */
export function webhookRoutes(
  notifier: Pick<Notifier, 'addWebhook' | 'removeWebhook' | 'listWebhooks' | 'listDeliveries'>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', async (c) => c.json({ webhooks: await notifier.listWebhooks() }));

  routes.post('/', jsonBody(newWebhookBody), async (c) => {
    const outcome = await notifier.addWebhook(c.req.valid('json'), c.var.actor);
    if (!outcome.ok) return notifyFailureResponse(c, outcome);
    return c.json({ webhook: outcome.webhook, secret: outcome.secret }, 201);
  });

  routes.get('/deliveries', queryParams(deliveryListQuery), async (c) =>
    c.json({ deliveries: await notifier.listDeliveries(c.req.valid('query')) }),
  );

  routes.delete('/:name', async (c) => {
    const outcome = await notifier.removeWebhook(c.req.param('name'), c.var.actor);
    return outcome.ok ? c.body(null, 204) : notifyFailureResponse(c, outcome);
  });

  return routes;
}

/** The body field each refusal is about, so that clients can point at it as with a 400. */
const failureFields: Partial<Record<NotifyFailureCode, string>> = {
  'invalid-name': 'name',
  'invalid-url': 'url',
  'internal-url': 'url',
};

/** The module's refusal as its status from the table, naming the offending field where there is one. */
function notifyFailureResponse(c: Context, failure: NotifyFailure): Response {
  const field = failureFields[failure.code];
  return errorResponse(
    c,
    failure.code,
    failure.message,
    field ? { issues: [{ path: field, message: failure.message }] } : {},
  );
}
