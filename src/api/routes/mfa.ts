import { Hono } from 'hono';
import { failureResponse } from '../../http-status/index.js';
import type { Identity } from '../../identity/index.js';
import type { ApiEnv } from '../api-env.js';

/**
 * /api/v1/users/{address}/mfa, …/mfa/reset, …/mfa/enforce: an admin's view of and actions on a
 * user's second factors (the same functions as `mailwarden user mfa`), audited with the token's actor.
 */
export function mfaUserRoutes(identity: {
  mfa: Pick<Identity['mfa'], 'show' | 'enforce' | 'reset'>;
}): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get('/:address/mfa', async (c) => {
    const outcome = await identity.mfa.show(c.req.param('address'));
    return outcome.ok ? c.json({ mfa: outcome.mfa }) : failureResponse(c, outcome);
  });
  routes.post('/:address/mfa/reset', async (c) => {
    const outcome = await identity.mfa.reset(c.req.param('address'), c.var.actor);
    return outcome.ok ? c.json({ mfa: outcome.mfa }) : failureResponse(c, outcome);
  });
  routes.post('/:address/mfa/enforce', async (c) => {
    const outcome = await identity.mfa.enforce(c.req.param('address'), c.var.actor);
    return outcome.ok ? c.json({ mfa: outcome.mfa }) : failureResponse(c, outcome);
  });
  return routes;
}
