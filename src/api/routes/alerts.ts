import { type Context, Hono } from 'hono';
import type { Alerts, AlertUpdateOutcome } from '../../alerts/index.js';
import { errorResponse, failureResponse } from '../../http-status/index.js';
import type { ApiEnv } from '../api-env.js';
import { alertListQuery } from '../request-schemas.js';
import { queryParams } from '../validate.js';

/** /api/v1/alerts: what Mailwarden raised, most recent first, and its triage. */
export function alertRoutes(alerts: Pick<Alerts, 'list' | 'get' | 'setStatus'>): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', queryParams(alertListQuery), async (c) =>
    c.json({ alerts: await alerts.list(c.req.valid('query')) }),
  );

  routes.get('/:id', async (c) => {
    const id = c.req.param('id');
    const alert = await alerts.get(id);
    return alert ? c.json({ alert }) : errorResponse(c, 'alert-not-found', `no alert ${id}`);
  });

  routes.post('/:id/acknowledge', async (c) =>
    alertResponse(c, await alerts.setStatus(c.req.param('id'), 'acknowledged', c.var.actor)),
  );

  routes.post('/:id/resolve', async (c) =>
    alertResponse(c, await alerts.setStatus(c.req.param('id'), 'resolved', c.var.actor)),
  );

  return routes;
}

function alertResponse(c: Context, outcome: AlertUpdateOutcome): Response {
  return outcome.ok ? c.json({ alert: outcome.alert }) : failureResponse(c, outcome);
}
