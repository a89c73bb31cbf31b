import { type Context, Hono } from 'hono';
import type { Directory, DirectoryFailure, User } from '../../directory/index.js';
import { errorResponse, failureResponse } from '../../http-status/index.js';
import type { Outbound } from '../../outbound/index.js';
import type { ApiEnv } from '../api-env.js';
import {
  newAliasBody,
  newPasswordBody,
  newUserBody,
  userListQuery,
  userUpdateBody,
} from '../request-schemas.js';
import { jsonBody, queryParams } from '../validate.js';

/** /api/v1/users: mailbox users, addressed by primary address, alias or id. */
export function userRoutes(
  directory: Pick<
    Directory,
    | 'listUsers'
    | 'findUser'
    | 'createUser'
    | 'updateUser'
    | 'setDisabled'
    | 'setPassword'
    | 'removeUser'
    | 'addAlias'
    | 'removeAlias'
  >,
  outbound: Pick<Outbound, 'effectivePolicy'>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', queryParams(userListQuery), async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(await directory.listUsers({ limit, afterAddress: cursor }));
  });

  routes.post('/', jsonBody(newUserBody), async (c) => {
    return userResponse(c, await directory.createUser(c.req.valid('json'), c.var.actor), 201);
  });

  routes.get('/:address', async (c) => {
    const address = c.req.param('address');
    const user = await directory.findUser(address);
    return user ? c.json({ user }) : errorResponse(c, 'user-not-found', `no user ${address}`);
  });

  routes.patch('/:address', jsonBody(userUpdateBody), async (c) => {
    const address = c.req.param('address');
    const { disabled, ...details } = c.req.valid('json');
    // Up to two directory calls, each its own transaction and audit record (UpdateUser, DisableUser).
    if (details.displayName !== undefined || details.role !== undefined || disabled === undefined) {
      const updated = await directory.updateUser(address, details, c.var.actor);
      if (!updated.ok || disabled === undefined) return userResponse(c, updated);
    }
    return userResponse(c, await directory.setDisabled(address, disabled, c.var.actor));
  });

  routes.delete('/:address', async (c) => {
    const outcome = await directory.removeUser(c.req.param('address'), c.var.actor);
    return outcome.ok ? c.json({ user: outcome.user }) : failureResponse(c, outcome);
  });

  routes.put('/:address/password', jsonBody(newPasswordBody), async (c) => {
    const outcome = await directory.setPassword(
      c.req.param('address'),
      c.req.valid('json').password,
      c.var.actor,
    );
    return userResponse(c, outcome);
  });

  // The sending policy that applies to the user now: the first that names them, or the default.
  routes.get('/:address/policy', async (c) => {
    const address = c.req.param('address');
    const policy = await outbound.effectivePolicy(address);
    return policy ? c.json({ policy }) : errorResponse(c, 'user-not-found', `no user ${address}`);
  });

  routes.post('/:address/aliases', jsonBody(newAliasBody), async (c) => {
    const outcome = await directory.addAlias(c.req.param('address'), c.req.valid('json').alias, c.var.actor);
    return userResponse(c, outcome, 201);
  });

  routes.delete('/:address/aliases/:alias', async (c) => {
    const outcome = await directory.removeAlias(c.req.param('address'), c.req.param('alias'), c.var.actor);
    return userResponse(c, outcome);
  });

  return routes;
}

function userResponse(
  c: Context,
  outcome: { ok: true; user: User } | DirectoryFailure,
  status: 200 | 201 = 200,
) {
  return outcome.ok ? c.json({ user: outcome.user }, status) : failureResponse(c, outcome);
}
