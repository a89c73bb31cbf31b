import { type Context, Hono } from 'hono';
import type { Translator } from '../i18n/index.js';
import { APP_PASSWORD_SCOPES, type AppPasswordFailure, type WebSession } from '../identity/index.js';
import { ownerActor } from './actor.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { gate } from './gate.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, htmlMessage, layout } from './layout.js';
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
    const { t, fmt } = c.var;
    return c.html(
      layout(
        {
          t,
          title: t('nav.account.appPasswords'),
          csrfToken: csrf,
          signedIn: true,
          notice,
          current: c.req.path,
        },
        html`${created ?? ''}
        <section>
          <p class="muted">${t('account.appPasswords.intro')}</p>
          ${
            entries.length === 0
              ? html`<p>${t('account.appPasswords.none')}</p>`
              : html`<table id="app-passwords"><thead><tr><th>${t('common.name')}</th><th>${t('account.appPasswords.for')}</th><th>${t('account.appPasswords.created')}</th><th>${t('account.security.lastUsed')}</th><th></th></tr></thead><tbody>
                ${entries.map(
                  (
                    entry,
                  ) => html`<tr class="app-password"><td translate="no">${entry.name}</td><td>${entry.scopes.join(', ')}</td><td>${when(entry.createdAt, 'day', fmt)}</td>
                    <td>${entry.lastUsedAt ? html`${when(entry.lastUsedAt, 'minute', fmt)} <span translate="no">(${entry.lastUsedProtocol ?? ''} ${entry.lastUsedIp ?? ''})</span>` : t('common.never')}${entry.state === 'expired' ? ` · ${t('account.appPasswords.expired')}` : ''}</td>
                    <td><form method="post" action="/account/app-passwords/revoke" class="inline">${csrfField(csrf)}<input type="hidden" name="name" value="${entry.name}"><button class="danger" type="submit">${t('account.appPasswords.revoke')}</button></form></td></tr>`,
                )}</tbody></table>`
          }
        </section>
        <section><h2>${t('account.appPasswords.new')}</h2>
          <form method="post" action="/account/app-passwords">${csrfField(csrf)}
            <label for="app-name">${t('account.appPasswords.nameLabel')}</label>
            <input type="text" id="app-name" name="name" maxlength="64" required placeholder="${t('account.appPasswords.placeholder')}">
            <label>${t('account.appPasswords.for')}</label>
            ${APP_PASSWORD_SCOPES.map(
              (scope) =>
                html`<label class="inline"><input type="checkbox" name="scope" value="${scope}" ${scope === 'smtp' || scope === 'imap' ? 'checked' : ''}> ${scope.toUpperCase()}</label> `,
            )}
            <label for="expires">${t('account.appPasswords.expires')}</label>
            <input type="text" id="expires" name="expiresDays" inputmode="numeric">
            <button type="submit" id="create-app-password">${t('account.appPasswords.create')}</button>
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
        { kind: 'error', text: c.var.t('account.appPasswords.badExpiry') },
        undefined,
        400,
      );
    const outcome = await deps.identity.createAppPassword(
      session.user.id,
      { name, scopes, expiresDays: expires },
      ownerActor(c, session.user.address),
    );
    const t = c.var.t;
    if (!outcome.ok)
      return page(c, session, { kind: 'error', text: appPasswordRefusal(t, outcome, name) }, undefined, 400);
    return page(
      c,
      session,
      { kind: 'ok', text: t('account.appPasswords.createdNotice', { name: outcome.appPassword.name }) },
      html`<section id="new-app-password"><h2>${t('account.appPasswords.yourNew')}</h2>
        <p><strong>${t('account.appPasswords.copyNow')}</strong></p>
        <p><span class="secret" id="app-password-secret" translate="no">${outcome.password}</span></p>
        <p class="muted">${htmlMessage(t('account.appPasswords.usage'), {
          address: html`<span translate="no">${session.user.address}</span>`,
          scopes: outcome.appPassword.scopes.join(', '),
        })}</p></section>`,
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
        ? { kind: 'ok', text: c.var.t('account.appPasswords.revoked', { name }) }
        : { kind: 'error', text: appPasswordRefusal(c.var.t, outcome, name) },
      undefined,
      outcome.ok ? 200 : 400,
    );
  });
  return routes;
}

/** An app-password refusal in the reader's language, told by its code. */
function appPasswordRefusal(t: Translator, failure: Pick<AppPasswordFailure, 'code'>, name: string): string {
  switch (failure.code) {
    case 'invalid-app-password':
      return t('account.appPasswords.invalid');
    case 'app-password-name-taken':
      return t('account.appPasswords.nameTaken');
    case 'app-password-not-found':
      return t('account.appPasswords.notFound', { name });
    case 'user-not-found':
      return t('account.userGone');
  }
}
