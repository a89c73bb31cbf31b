import { type Context, Hono } from 'hono';
import { APP_PASSWORD_SCOPES, type WebSession } from '../identity/index.js';
import { ownerActor } from './actor.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { gate } from './gate.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout } from './layout.js';
import { when } from './time.js';

type Notice = { kind: 'info' | 'ok' | 'error'; text: string } | null;

/** App passwords for mail clients: create (shown once), list, revoke. */
export function appPasswordRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const page = async (
    c: Context<ConsoleEnv>,
    session: WebSession,
    notice: Notice,
    created?: SafeHtml,
    status: 200 | 400 = 200,
  ) => {
    const csrf = deps.identity.webSessions.csrfTokenFor(c.var.sessionToken!);
    const listed = await deps.identity.listAppPasswords(session.user.id);
    const entries = listed.ok ? listed.appPasswords : [];
    return c.html(
      layout(
        { title: 'App passwords', csrfToken: csrf, signedIn: true, notice, current: c.req.path },
        html`${created ?? ''}
        <section>
          <p class="muted">Mail apps (Thunderbird, Outlook, phone mail) sign in with an app password: one per device, limited to the protocols it needs, revocable on its own.</p>
          ${
            entries.length === 0
              ? html`<p>No app passwords yet.</p>`
              : html`<table id="app-passwords"><thead><tr><th>Name</th><th>For</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>
                ${entries.map(
                  (
                    entry,
                  ) => html`<tr class="app-password"><td>${entry.name}</td><td>${entry.scopes.join(', ')}</td><td>${when(entry.createdAt, 'day')}</td>
                    <td>${entry.lastUsedAt ? html`${when(entry.lastUsedAt)} (${entry.lastUsedProtocol ?? ''} ${entry.lastUsedIp ?? ''})` : 'never'}${entry.state === 'expired' ? ' · expired' : ''}</td>
                    <td><form method="post" action="/account/app-passwords/revoke" class="inline">${csrfField(csrf)}<input type="hidden" name="name" value="${entry.name}"><button class="danger" type="submit">Revoke</button></form></td></tr>`,
                )}</tbody></table>`
          }
        </section>
        <section><h2>New app password</h2>
          <form method="post" action="/account/app-passwords">${csrfField(csrf)}
            <label for="app-name">Name (the device or app)</label>
            <input type="text" id="app-name" name="name" maxlength="64" required placeholder="Thunderbird on my laptop">
            <label>For</label>
            ${APP_PASSWORD_SCOPES.map(
              (scope) =>
                html`<label class="inline"><input type="checkbox" name="scope" value="${scope}" ${scope === 'smtp' || scope === 'imap' ? 'checked' : ''}> ${scope.toUpperCase()}</label> `,
            )}
            <label for="expires">Expires after (days, empty: never)</label>
            <input type="text" id="expires" name="expiresDays" inputmode="numeric">
            <button type="submit" id="create-app-password">Create app password</button>
          </form>
        </section>`,
      ),
      status,
    );
  };

  routes.get('/account/app-passwords', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    return page(c, session, null);
  });

  routes.post('/account/app-passwords', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody({ all: true });
    const name = typeof body['name'] === 'string' ? body['name'] : '';
    const scopes = ([] as unknown[])
      .concat(body['scope'] ?? [])
      .filter((scope): scope is string => typeof scope === 'string');
    const expires =
      typeof body['expiresDays'] === 'string' && body['expiresDays'].trim()
        ? Number(body['expiresDays'])
        : null;
    if (expires !== null && !Number.isInteger(expires))
      return page(
        c,
        session,
        { kind: 'error', text: 'the expiry is a whole number of days' },
        undefined,
        400,
      );
    const outcome = await deps.identity.createAppPassword(
      session.user.id,
      { name, scopes, expiresDays: expires },
      ownerActor(c, session.user.address),
    );
    if (!outcome.ok) return page(c, session, { kind: 'error', text: outcome.message }, undefined, 400);
    return page(
      c,
      session,
      { kind: 'ok', text: `App password ${outcome.appPassword.name} created.` },
      html`<section id="new-app-password"><h2>Your new app password</h2>
        <p><strong>Copy it into your mail app now: it is shown only this once.</strong></p>
        <p><span class="secret" id="app-password-secret">${outcome.password}</span></p>
        <p class="muted">User name: ${session.user.address}. It works for ${outcome.appPassword.scopes.join(', ')}.</p></section>`,
    );
  });

  routes.post('/account/app-passwords/revoke', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const name = typeof body['name'] === 'string' ? body['name'] : '';
    const outcome = await deps.identity.revokeAppPassword(
      session.user.id,
      name,
      ownerActor(c, session.user.address),
    );
    return page(
      c,
      session,
      outcome.ok
        ? { kind: 'ok', text: `App password ${name} revoked.` }
        : { kind: 'error', text: outcome.message },
      undefined,
      outcome.ok ? 200 : 400,
    );
  });
  return routes;
}
