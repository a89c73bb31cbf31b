import { Hono } from 'hono';
import { failureResponse } from '../../http-status/index.js';
import type { Outbound } from '../../outbound/index.js';
import type { ApiEnv } from '../api-env.js';
import { releaseBody } from '../request-schemas.js';
import { jsonBody } from '../validate.js';

/** /api/v1/restricted: senders a sending limit or spam verdicts restricted, and their release. */
export function restrictedRoutes(
  outbound: Pick<Outbound, 'listRestricted' | 'restrictionsOf' | 'release'>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  // Everyone restricted now, newest first.
  routes.get('/', async (c) => c.json({ restricted: await outbound.listRestricted() }));

  // A user's restrictions, past ones included, newest first.
  routes.get('/:address', async (c) => {
    const outcome = await outbound.restrictionsOf(c.req.param('address'));
    return outcome.ok ? c.json({ restrictions: outcome.restrictions }) : failureResponse(c, outcome);
  });

  // Refused (409 release-refused, with unmetChecks) until the account is secured, unless forced.
  routes.post('/:address/release', jsonBody(releaseBody), async (c) => {
    const outcome = await outbound.release(c.req.param('address'), c.req.valid('json'), c.var.actor);
    return outcome.ok ? c.json({ restriction: outcome.restriction }) : failureResponse(c, outcome);
  });

  return routes;
}
