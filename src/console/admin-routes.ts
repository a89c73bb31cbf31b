import { Hono } from 'hono';
import { adminActor } from './actor.js';
import { adminAuditRoutes } from './admin-audit-routes.js';
import { adminDirectoryRoutes } from './admin-directory-routes.js';
import { adminNotificationRoutes } from './admin-notification-routes.js';
import { adminCsrf, adminGate, adminPage } from './admin-page.js';
import { adminPolicyRoutes } from './admin-policy-routes.js';
import { adminQuarantineRoutes } from './admin-quarantine-routes.js';
import { adminRemovalRoutes } from './admin-removal-routes.js';
import { adminScoreRoutes } from './admin-score-routes.js';
import { adminSettingsRoutes } from './admin-settings-routes.js';
import { adminTokenRoutes } from './admin-token-routes.js';
import { adminUserRoutes } from './admin-user-routes.js';
import { alertsTable, restrictedTable } from './admin-views.js';
import { alertsPerDayBlock } from './chart-blocks.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { refusePage } from './refusals.js';

/**
 * The admin pages: what needs attention, the restricted senders with their evidence, the release and
 * the secure-this-account playbook on the same screen (PRODUCT.md, "Release"), and alert triage.
 * They call the same module functions as the CLI and the API.
 */
export function adminRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  routes.get('/admin', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const [restricted, alerts] = await Promise.all([
      deps.outbound.listRestricted(),
      deps.alerts.list({ status: 'new', limit: 50 }),
    ]);
    return adminPage(
      c,
      deps,
      'Needs attention',
      html`<section><h2>Restricted senders (${restricted.length})</h2>${restrictedTable(restricted)}</section>
        <section><h2>New alerts (${alerts.length})</h2>${alertsTable(alerts, adminCsrf(c, deps))}
          <p><a href="/admin/alerts">Every alert</a></p></section>`,
    );
  });

  routes.get('/admin/restricted', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return adminPage(
      c,
      deps,
      'Restricted senders',
      html`<section>${restrictedTable(await deps.outbound.listRestricted())}</section>`,
    );
  });

  routes.route('/', adminUserRoutes(deps));

  routes.get('/admin/alerts', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const alerts = await deps.alerts.list({ limit: 200 });
    return adminPage(
      c,
      deps,
      'Alerts',
      html`${await alertsPerDayBlock(c, deps)}<section>${alertsTable(alerts, adminCsrf(c, deps))}</section>`,
    );
  });

  routes.post('/admin/alerts/:id/:verb{(?:acknowledge|resolve)}', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const status = c.req.param('verb') === 'acknowledge' ? 'acknowledged' : 'resolved';
    const outcome = await deps.alerts.setStatus(c.req.param('id'), status, adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, outcome.message);
    return c.redirect('/admin/alerts', 303);
  });

  routes.route('/', adminAuditRoutes(deps));
  routes.route('/', adminScoreRoutes(deps));
  routes.route('/', adminPolicyRoutes(deps));
  routes.route('/', adminQuarantineRoutes(deps));
  routes.route('/', adminSettingsRoutes(deps));
  routes.route('/', adminTokenRoutes(deps));
  routes.route('/', adminDirectoryRoutes(deps));
  routes.route('/', adminRemovalRoutes(deps));
  routes.route('/', adminNotificationRoutes(deps));
  return routes;
}
