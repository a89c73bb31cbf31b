import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiErrorStatus } from '../http-status/index.js';
import type { MessageKey } from '../i18n/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage, at, readerOf } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { refusalWords } from './refusal-words.js';

const DELIVERY_STATUS_WORDS: Record<'pending' | 'delivered' | 'failed', MessageKey> = {
  pending: 'admin.notifications.status.pending',
  delivered: 'admin.notifications.status.delivered',
  failed: 'admin.notifications.status.failed',
};

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
    const r = readerOf(c, deps);
    const { t } = r;
    const [webhooks, deliveries] = await Promise.all([
      deps.notifier.listWebhooks(),
      deps.notifier.listDeliveries({ limit: 50 }),
    ]);
    return adminPage(
      c,
      deps,
      t('nav.admin.notifications'),
      html`${added}<section><h2>${t('admin.notifications.webhooks')}</h2>
          ${
            webhooks.length === 0
              ? html`<p class="muted" id="no-webhooks">${t('admin.notifications.noWebhooks')}</p>`
              : html`<table id="webhooks"><thead><tr><th>${t('admin.col.name')}</th><th>URL</th><th>${t('admin.col.since')}</th><th><span class="visually-hidden">${t('admin.col.actions')}</span></th></tr></thead>
              <tbody>${webhooks.map(
                (
                  webhook,
                ) => html`<tr class="webhook" data-name="${webhook.name}"><td>${webhook.name}</td><td>${webhook.url}</td>
                  <td>${at(r, webhook.createdAt, 'day')}</td>
                  <td><form method="post" action="/admin/notifications/webhooks/${encodeURIComponent(webhook.name)}/remove" class="inline">${csrfField(csrf)}<button type="submit" class="danger remove">${t('admin.remove')}</button></form></td></tr>`,
              )}</tbody></table>`
          }
          <form method="post" action="/admin/notifications/webhooks">${csrfField(csrf)}
            <label for="webhook-name">${t('admin.col.name')}</label><input type="text" id="webhook-name" name="name" required>
            <label for="webhook-url">${t('admin.notifications.url')}</label><input type="text" id="webhook-url" name="url" required>
            <button type="submit" id="add-webhook">${t('admin.notifications.add')}</button>
          </form></section>
        <section><h2>${t('admin.notifications.deliveries')}</h2>${
          deliveries.length === 0
            ? html`<p class="muted">${t('admin.notifications.nothingSent')}</p>`
            : html`<table id="deliveries"><thead><tr><th>${t('admin.col.created')}</th><th>${t('admin.col.to')}</th><th>${t('admin.col.status')}</th><th>${t('admin.notifications.attempts')}</th><th>${t('admin.notifications.lastError')}</th></tr></thead>
              <tbody>${deliveries.map(
                (delivery) => html`<tr class="delivery"><td>${at(r, delivery.createdAt)}</td>
                  <td>${delivery.channel === 'email' ? t('admin.notifications.channel.email') : t('admin.notifications.channel.webhook')}: ${delivery.webhookName ?? delivery.target}</td><td data-status="${delivery.status}">${t(DELIVERY_STATUS_WORDS[delivery.status])}</td>
                  <td>${r.fmt.number(delivery.attempts)}</td><td>${delivery.lastError ?? ''}</td></tr>`,
              )}</tbody></table>`
        }</section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/notifications', (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return notificationsPage(
      c,
      c.req.query('removed') ? { kind: 'ok', text: c.var.t('admin.removed') } : null,
    );
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
      return notificationsPage(
        c,
        { kind: 'error', text: refusalWords(c.var.t, outcome) },
        '',
        apiErrorStatus[outcome.code],
      );
    return notificationsPage(
      c,
      { kind: 'ok', text: c.var.t('admin.notifications.added', { name: outcome.webhook.name }) },
      html`<section><h2>${c.var.t('admin.notifications.secret')}</h2>
        <p>${c.var.t('admin.notifications.secretExplain')}</p>
        <p><code id="webhook-secret">${outcome.secret}</code></p></section>`,
    );
  });

  routes.post('/admin/notifications/webhooks/:name/remove', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const outcome = await deps.notifier.removeWebhook(c.req.param('name'), adminActor(c, session));
    if (!outcome.ok)
      return notificationsPage(
        c,
        { kind: 'error', text: refusalWords(c.var.t, outcome) },
        '',
        apiErrorStatus[outcome.code],
      );
    return c.redirect('/admin/notifications?removed=1', 303);
  });

  return routes;
}
