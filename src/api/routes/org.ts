import { Hono } from 'hono';
import { failureResponse } from '../../http-status/index.js';
import type { OrgSettingsService } from '../../settings/index.js';
import type { ApiEnv } from '../api-env.js';
import { orgSettingsBody } from '../request-schemas.js';
import { jsonBody } from '../validate.js';

/** /api/v1/org/settings: the org-wide policy settings (MFA, mail sign-in, lockout, risk). */
export function orgRoutes(settings: Pick<OrgSettingsService, 'describe' | 'change'>): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/settings', async (c) => c.json({ settings: await settings.describe() }));

  // Every key in the body is checked before any is stored; each change is audited.
  routes.patch('/settings', jsonBody(orgSettingsBody), async (c) => {
    const outcome = await settings.change(c.req.valid('json'), c.var.actor);
    return outcome.ok
      ? c.json({ settings: await settings.describe(), changed: outcome.changed })
      : failureResponse(c, outcome);
  });

  return routes;
}
