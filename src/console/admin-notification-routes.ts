import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiErrorStatus } from '../http-status/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { when } from './time.js';

/**
 * /admin/notifications: where alerts go besides every admin's mailbox: the signed webhooks (the
 * signing secret shown once, on add) and the delivery log with its retries (docs/NOTIFICATIONS.md).
 */
export function adminNotificationRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const notificationsPage = async (
    c: Parameters<typeof adminPage>[0],
    notice: AdminNotice,
    added: SafeHtml | '' = '',
    status: ContentfulStatusCode = 200,
  ) => {
    const csrf = adminCsrf(c, deps);
    const [webhooks, deliveries] = await Promise.all([
      deps.notifier.listWebhooks(),
      deps.notifier.listDeliveries({ limit: 50 }),
    ]);
    return adminPage(
      c,
      deps,
      'Notifications',
      html`${added}<section><h2>Webhooks</h2>
          ${
            webhooks.length === 0
              ? html`<p class="muted" id="no-webhooks">No webhooks: alerts go to the admins by email.</p>`
              : html`<table id="webhooks"><thead><tr><th>Name</th><th>URL</th><th>Since</th><th></th></tr></thead>
              <tbody>${webhooks.map(
                (
                  webhook,
                ) => html`<tr class="webhook" data-name="${webhook.name}"><td>${webhook.name}</td><td>${webhook.url}</td>
                  <td>${when(webhook.createdAt, 'day')}</td>
                  <td><form method="post" action="/admin/notifications/webhooks/${encodeURIComponent(webhook.name)}/remove" class="inline">${csrfField(csrf)}<button type="submit" class="danger remove">Remove</button></form></td></tr>`,
              )}</tbody></table>`
          }
          <form method="post" action="/admin/notifications/webhooks">${csrfField(csrf)}
            <label for="webhook-name">Name</label><input type="text" id="webhook-name" name="name" required>
            <label for="webhook-url">URL (http:// or https://)</label><input type="text" id="webhook-url" name="url" required>
            <button type="submit" id="add-webhook">Add webhook</button>
          </form></section>
        <section><h2>Recent deliveries</h2>${
          deliveries.length === 0
            ? html`<p class="muted">Nothing sent yet.</p>`
            : html`<table id="deliveries"><thead><tr><th>Created</th><th>To</th><th>Status</th><th>Attempts</th><th>Last error</th></tr></thead>
              <tbody>${deliveries.map(
                (delivery) => html`<tr class="delivery"><td>${when(delivery.createdAt)}</td>
                  <td>${delivery.channel}: ${delivery.webhookName ?? delivery.target}</td><td>${delivery.status}</td>
                  <td>${delivery.attempts}</td><td>${delivery.lastError ?? ''}</td></tr>`,
              )}</tbody></table>`
        }</section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/notifications', (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return notificationsPage(c, c.req.query('removed') ? { kind: 'ok', text: 'Removed.' } : null);
  });

  routes.post('/admin/notifications/webhooks', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const text = (name: string) => (typeof body[name] === 'string' ? body[name].trim() : '');
    const outcome = await deps.notifier.addWebhook(
      { name: text('name'), url: text('url') },
      adminActor(c, session),
    );
    if (!outcome.ok)
      return notificationsPage(c, { kind: 'error', text: outcome.message }, '', apiErrorStatus[outcome.code]);
    return notificationsPage(
      c,
      { kind: 'ok', text: `Webhook ${outcome.webhook.name} added.` },
      html`<section><h2>Signing secret</h2>
        <p>Give it to the receiving end now: it is shown only once. Each request is signed with it (docs/NOTIFICATIONS.md).</p>
        <p><code id="webhook-secret">${outcome.secret}</code></p></section>`,
    );
  });

  routes.post('/admin/notifications/webhooks/:name/remove', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const outcome = await deps.notifier.removeWebhook(c.req.param('name'), adminActor(c, session));
    if (!outcome.ok)
      return notificationsPage(c, { kind: 'error', text: outcome.message }, '', apiErrorStatus[outcome.code]);
    return c.redirect('/admin/notifications?removed=1', 303);
  });

  return routes;
}
