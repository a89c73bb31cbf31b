import { Hono } from 'hono';
import { alertEvidence } from '../notify/index.js';
import { adminActor } from './actor.js';
import { adminAuditRoutes } from './admin-audit-routes.js';
import { adminDirectoryRoutes } from './admin-directory-routes.js';
import { adminNotificationRoutes } from './admin-notification-routes.js';
import { adminCsrf, adminGate, adminPage, readerOf } from './admin-page.js';
import { adminPolicyRoutes } from './admin-policy-routes.js';
import { adminQuarantineRoutes } from './admin-quarantine-routes.js';
import { adminRemovalRoutes } from './admin-removal-routes.js';
import { adminScoreRoutes } from './admin-score-routes.js';
import { adminSettingsRoutes } from './admin-settings-routes.js';
import { adminTokenRoutes } from './admin-token-routes.js';
import { adminUserRoutes } from './admin-user-routes.js';
import { alertsTable, alertTitle, alertView, restrictedTable } from './admin-views.js';
import { alertsPerDayBlock } from './chart-blocks.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { refusalWords } from './refusal-words.js';
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
    const r = readerOf(c, deps);
    const { t } = r;
    return adminPage(
      c,
      deps,
      t('nav.admin.attention'),
      html`<section><h2>${t('admin.home.restricted', { count: restricted.length })}</h2>${restrictedTable(restricted, r)}</section>
        <section><h2>${t('admin.home.newAlerts', { count: alerts.length })}</h2>${alertsTable(alerts, adminCsrf(c, deps), r)}
          <p><a href="/admin/alerts">${t('admin.home.everyAlert')}</a></p></section>`,
    );
  });

  routes.get('/admin/restricted', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return adminPage(
      c,
      deps,
      c.var.t('nav.admin.restricted'),
      html`<section>${restrictedTable(await deps.outbound.listRestricted(), readerOf(c, deps))}</section>`,
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
      c.var.t('nav.admin.alerts'),
      html`${await alertsPerDayBlock(c, deps)}<section>${alertsTable(alerts, adminCsrf(c, deps), readerOf(c, deps))}</section>`,
    );
  });

  routes.get('/admin/alerts/:id', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const alert = await deps.alerts.get(c.req.param('id'));
    if (!alert) return refusePage(c, 404, refusalWords(c.var.t, { code: 'alert-not-found' }));
    const reader = readerOf(c, deps);
    return adminPage(
      c,
      deps,
      alertTitle(c.var.t, alert),
      alertView(alert, alertEvidence(alert.evidence, reader), adminCsrf(c, deps), reader),
    );
  });

  routes.post('/admin/alerts/:id/:verb{(?:acknowledge|resolve)}', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const status = c.req.param('verb') === 'acknowledge' ? 'acknowledged' : 'resolved';
    const outcome = await deps.alerts.setStatus(c.req.param('id'), status, adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, refusalWords(c.var.t, outcome));
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
