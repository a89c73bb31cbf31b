import { Hono } from 'hono';
import type { Directory } from '../../directory/index.js';
import { failureResponse } from '../../http-status/index.js';
import type { ApiEnv } from '../api-env.js';
import { newGroupBody, newGroupMemberBody } from '../request-schemas.js';
import { jsonBody } from '../validate.js';

/** /api/v1/groups: groups of users, which sending policies can be scoped to. */
export function groupRoutes(
  directory: Pick<
    Directory,
    'listGroups' | 'addGroup' | 'addGroupMember' | 'removeGroup' | 'removeGroupMember'
  >,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', async (c) => c.json({ groups: await directory.listGroups() }));

  routes.post('/', jsonBody(newGroupBody), async (c) => {
    const outcome = await directory.addGroup(c.req.valid('json').name, c.var.actor);
    return outcome.ok ? c.json({ group: outcome.group }, 201) : failureResponse(c, outcome);
  });

  // Adding a member who already belongs is not an error: the answer is the group as it is.
  routes.post('/:name/members', jsonBody(newGroupMemberBody), async (c) => {
    const outcome = await directory.addGroupMember(
      c.req.param('name'),
      c.req.valid('json').user,
      c.var.actor,
    );
    return outcome.ok ? c.json({ group: outcome.group }, 201) : failureResponse(c, outcome);
  });

  routes.delete('/:name', async (c) => {
    const outcome = await directory.removeGroup(c.req.param('name'), c.var.actor);
    return outcome.ok ? c.json({ group: outcome.group }) : failureResponse(c, outcome);
  });

  // Unlike adding, removing someone who is not a member is refused (not-a-member): the caller's
  // picture of the group is wrong, and saying so beats a silent success.
  routes.delete('/:name/members/:address', async (c) => {
    const outcome = await directory.removeGroupMember(
      c.req.param('name'),
      c.req.param('address'),
      c.var.actor,
    );
    return outcome.ok ? c.json({ group: outcome.group }) : failureResponse(c, outcome);
  });

  return routes;
}
