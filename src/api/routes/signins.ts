import { Hono } from 'hono';
import { failureResponse } from '../../http-status/index.js';
import type { Identity } from '../../identity/index.js';
import type { ApiEnv } from '../api-env.js';
import {
  mailPasswordBody,
  newAppPasswordBody,
  resetPasswordBody,
  signInListQuery,
} from '../request-schemas.js';
import { jsonBody, queryParams } from '../validate.js';

/**
 * /api/v1/users/{address}/app-passwords, …/reset-password, …/unlock, …/signins, and /api/v1/signins:
 * app passwords, admin reset and unlock, and the sign-in log.
 */
export function signInUserRoutes(
  identity: Pick<
    Identity,
    | 'listAppPasswords'
    | 'createAppPassword'
    | 'revokeAppPassword'
    | 'resetPassword'
    | 'unlockUser'
    | 'listSignIns'
    | 'setMailPassword'
  >,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/:address/app-passwords', async (c) => {
    const outcome = await identity.listAppPasswords(c.req.param('address'), {
      includeRevoked: c.req.query('all') === 'true',
    });
    return outcome.ok ? c.json({ appPasswords: outcome.appPasswords }) : failureResponse(c, outcome);
  });

  // The password is in this answer only; it is stored as a hash.
  routes.post('/:address/app-passwords', jsonBody(newAppPasswordBody), async (c) => {
    const body = c.req.valid('json');
    const outcome = await identity.createAppPassword(
      c.req.param('address'),
      { name: body.name, scopes: body.scopes, expiresDays: body.expiresDays ?? null },
      c.var.actor,
    );
    return outcome.ok
      ? c.json({ appPassword: outcome.appPassword, password: outcome.password }, 201)
      : failureResponse(c, outcome);
  });

  routes.delete('/:address/app-passwords/:name', async (c) => {
    const outcome = await identity.revokeAppPassword(
      c.req.param('address'),
      c.req.param('name'),
      c.var.actor,
    );
    return outcome.ok ? c.json({ appPassword: outcome.appPassword }) : failureResponse(c, outcome);
  });

  routes.post('/:address/reset-password', jsonBody(resetPasswordBody), async (c) => {
    const outcome = await identity.resetPassword(c.req.param('address'), c.req.valid('json'), c.var.actor);
    return outcome.ok
      ? c.json({
          user: outcome.user,
          temporaryPassword: outcome.temporaryPassword,
          revokedAppPasswords: outcome.revokedAppPasswords,
        })
      : failureResponse(c, outcome);
  });

  routes.post('/:address/unlock', async (c) => {
    const outcome = await identity.unlockUser(c.req.param('address'), c.var.actor);
    return outcome.ok
      ? c.json({ user: outcome.user, unlockedSources: outcome.unlockedSources })
      : failureResponse(c, outcome);
  });

  routes.put('/:address/mail-password', jsonBody(mailPasswordBody), async (c) => {
    const outcome = await identity.setMailPassword(
      c.req.param('address'),
      c.req.valid('json').mode,
      c.var.actor,
    );
    return outcome.ok
      ? c.json({ user: outcome.user, mode: outcome.mode, changed: outcome.changed })
      : failureResponse(c, outcome);
  });

  routes.get('/:address/signins', queryParams(signInListQuery.omit({ user: true })), async (c) => {
    const { since, result, limit } = c.req.valid('query');
    return c.json({
      signIns: await identity.listSignIns({
        login: c.req.param('address'),
        ...(since !== undefined ? { sinceMs: since } : {}),
        ...(result !== undefined ? { result } : {}),
        ...(limit !== undefined ? { limit } : {}),
      }),
    });
  });

  return routes;
}

export function signInRoutes(identity: Pick<Identity, 'listSignIns'>): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get('/', queryParams(signInListQuery), async (c) => {
    const { user, since, result, limit } = c.req.valid('query');
    return c.json({
      signIns: await identity.listSignIns({
        ...(user !== undefined ? { login: user } : {}),
        ...(since !== undefined ? { sinceMs: since } : {}),
        ...(result !== undefined ? { result } : {}),
        ...(limit !== undefined ? { limit } : {}),
      }),
    });
  });
  return routes;
}
