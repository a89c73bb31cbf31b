import { type Context, Hono } from 'hono';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage, at, readerOf } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';
import { refusalWords } from './refusal-words.js';

type Notice = AdminNotice;

/**
 * /admin/quarantine: outgoing messages held as spam, newest first, with what the spam analysis found,
 * and their release (delivered as submitted) or deletion, audited as the admin.
 */
export function adminQuarantineRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const quarantinePage = async (
    c: Context<ConsoleEnv>,
    notice: Notice,
    status: 200 | 404 | 409 | 502 = 200,
  ) => {
    const csrf = adminCsrf(c, deps);
    const r = readerOf(c, deps);
    const { t } = r;
    const held = await deps.outbound.quarantine.list({ status: 'held', limit: 200 });
    return adminPage(
      c,
      deps,
      t('nav.admin.quarantine'),
      html`<section>${
        held.length === 0
          ? html`<p class="muted" id="nothing-held">${t('admin.quarantine.none')}</p>`
          : html`<table id="quarantine">
              <thead><tr><th>${t('admin.quarantine.held')}</th><th>${t('admin.col.from')}</th><th>${t('admin.quarantine.subject')}</th><th>${t('admin.col.why')}</th><th><span class="visually-hidden">${t('admin.col.actions')}</span></th></tr></thead>
              <tbody>${held.map(
                (message) => html`<tr class="held-message" data-id="${message.id}">
                  <td>${at(r, message.heldAt)}</td>
                  <td>${message.mailbox}</td>
                  <td>${message.subject === null ? t('admin.quarantine.noSubject') : html`<span translate="no">${message.subject}</span>`}<br><span class="muted">${t('admin.quarantine.to', { recipients: message.recipients.join(', ') })}</span></td>
                  <td>${t('admin.quarantine.score', { score: r.fmt.number(message.score) })} ${message.findings.map((finding) => finding.name).join(', ')}</td>
                  <td>${(['release', 'delete'] as const).map(
                    (verb) =>
                      html`<form method="post" action="/admin/quarantine/${message.id}/${verb}" class="inline">${csrfField(csrf)}<button type="submit" class="${verb === 'delete' ? 'danger ' : ''}${verb}">${verb === 'release' ? t('admin.release.button') : t('admin.delete')}</button></form>`,
                  )}</td>
                </tr>`,
              )}</tbody>
            </table>`
      }</section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/quarantine', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const done = c.req.query('done');
    return quarantinePage(
      c,
      done === 'released' || done === 'deleted'
        ? {
            kind: 'ok',
            text: c.var.t(done === 'released' ? 'admin.quarantine.released' : 'admin.quarantine.deleted'),
          }
        : null,
    );
  });

  routes.post('/admin/quarantine/:id/:verb{(?:release|delete)}', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const id = c.req.param('id');
    const release = c.req.param('verb') === 'release';
    const outcome = release
      ? await deps.outbound.quarantine.release(id, deps.delivery, adminActor(c, session))
      : await deps.outbound.quarantine.remove(id, adminActor(c, session));
    if (outcome.ok) return c.redirect(`/admin/quarantine?done=${release ? 'released' : 'deleted'}`, 303);
    // Not delivered (the relay refused it: it stays held), or decided already by someone else.
    return quarantinePage(
      c,
      { kind: 'error', text: refusalWords(c.var.t, outcome) },
      outcome.code === 'release-failed' ? 502 : 409,
    );
  });

  return routes;
}
