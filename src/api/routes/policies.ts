import { Hono } from 'hono';
import type { z } from 'zod';
import { errorResponse, failureResponse } from '../../http-status/index.js';
import type { Outbound, PolicyChange } from '../../outbound/index.js';
import type { ApiEnv } from '../api-env.js';
import { policyUpdateBody } from '../request-schemas.js';
import { jsonBody } from '../validate.js';

/**
 * /api/v1/policies: sending policies. The body's types are checked here; the values (ranges, names,
 * scopes) are the outbound module's to judge, and its refusal names the field and the range.
 */
export function policyRoutes(
  outbound: Pick<Outbound, 'listPolicies' | 'getPolicy' | 'setPolicy' | 'deletePolicy'>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  // In matching order: by priority, then name; the default policy, always present, last.
  routes.get('/', async (c) => c.json({ policies: await outbound.listPolicies() }));

  routes.get('/:name', async (c) => {
    const name = c.req.param('name');
    const policy = await outbound.getPolicy(name);
    return policy ? c.json({ policy }) : errorResponse(c, 'policy-not-found', `no sending policy ${name}`);
  });

  // Creates the policy or changes the fields given; the others keep their current values.
  routes.put('/:name', jsonBody(policyUpdateBody), async (c) => {
    const outcome = await outbound.setPolicy(c.req.param('name'), toChange(c.req.valid('json')), c.var.actor);
    return outcome.ok ? c.json({ policy: outcome.policy }) : failureResponse(c, outcome);
  });

  routes.delete('/:name', async (c) => {
    const outcome = await outbound.deletePolicy(c.req.param('name'), c.var.actor);
    return outcome.ok ? c.body(null, 204) : failureResponse(c, outcome);
  });

  return routes;
}

/** The body as the module takes it: settings, scope and priority apart; fields not given left out. */
function toChange(body: z.output<typeof policyUpdateBody>): PolicyChange {
  const { priority, users, groups, domains, ...settings } = body;
  const scope = Object.fromEntries(
    Object.entries({ users, groups, domains }).filter(([, list]) => list !== undefined),
  );
  return {
    settings: Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)),
    ...(Object.keys(scope).length > 0 ? { scope } : {}),
    ...(priority !== undefined ? { priority } : {}),
  };
}
