import { Hono } from 'hono';
import { failureResponse } from '../../http-status/index.js';
import type { Respond } from '../../respond/index.js';
import type { ApiEnv } from '../api-env.js';
import { disableInboxRulesBody, secureAccountBody } from '../request-schemas.js';
import { jsonBody } from '../validate.js';

/**
 * /api/v1/users/{address}/inbox-rules and …/secure: a compromised account's inbox rules (Sieve, in
 * Dovecot) and the secure-this-account playbook, the same calls as `mailwarden user rules|secure`.
 */
export function respondRoutes(
  respond: Pick<Respond, 'inboxRules' | 'disableInboxRules' | 'secureAccount'>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/:address/inbox-rules', async (c) => {
    const outcome = await respond.inboxRules(c.req.param('address'));
    return outcome.ok
      ? c.json({ user: outcome.user, scripts: outcome.scripts })
      : failureResponse(c, outcome);
  });

  routes.post('/:address/inbox-rules/disable', jsonBody(disableInboxRulesBody), async (c) => {
    const outcome = await respond.disableInboxRules(c.req.param('address'), c.req.valid('json'), c.var.actor);
    return outcome.ok
      ? c.json({ user: outcome.user, deactivated: outcome.deactivated, scripts: outcome.scripts })
      : failureResponse(c, outcome);
  });

  // 200 even when a step failed: the password was reset and must reach the admin; `complete` says.
  routes.post('/:address/secure', jsonBody(secureAccountBody), async (c) => {
    const outcome = await respond.secureAccount(c.req.param('address'), c.req.valid('json'), c.var.actor);
    if (!outcome.ok) return failureResponse(c, outcome);
    return c.json({
      complete: outcome.steps.every((step) => step.status !== 'failed' && step.status !== 'refused'),
      user: outcome.user,
      temporaryPassword: outcome.temporaryPassword,
      steps: outcome.steps,
    });
  });

  return routes;
}
