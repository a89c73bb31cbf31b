import { type Context, Hono } from 'hono';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';
import { when } from './time.js';

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
    const held = await deps.outbound.quarantine.list({ status: 'held', limit: 200 });
    return adminPage(
      c,
      deps,
      'Quarantine',
      html`<section>${
        held.length === 0
          ? html`<p class="muted" id="nothing-held">No message is held.</p>`
          : html`<table id="quarantine">
              <thead><tr><th>Held (UTC)</th><th>From</th><th>Subject and recipients</th><th>Why</th><th></th></tr></thead>
              <tbody>${held.map(
                (message) => html`<tr class="held-message" data-id="${message.id}">
                  <td>${when(message.heldAt)}</td>
                  <td>${message.mailbox}</td>
                  <td>${message.subject ?? '(no subject)'}<br><span class="muted">to ${message.recipients.join(', ')}</span></td>
                  <td>score ${message.score}: ${message.findings.map((finding) => finding.name).join(', ')}</td>
                  <td>${(['release', 'delete'] as const).map(
                    (verb) =>
                      html`<form method="post" action="/admin/quarantine/${message.id}/${verb}" class="inline">${csrfField(csrf)}<button type="submit" class="${verb === 'delete' ? 'danger ' : ''}${verb}">${verb === 'release' ? 'Release' : 'Delete'}</button></form>`,
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
      done === 'released' || done === 'deleted' ? { kind: 'ok', text: `The message was ${done}.` } : null,
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
      { kind: 'error', text: outcome.message },
      outcome.code === 'release-failed' ? 502 : 409,
    );
  });

  return routes;
}
