import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ApiTokenRole, apiTokenRoles } from '../directory/index.js';
import { apiErrorStatus } from '../http-status/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage, at, readerOf } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { refusalWords } from './refusal-words.js';
import { refusePage } from './refusals.js';

/**
 * /admin/tokens: the API tokens, with when each was last used, and their revocation. A token made
 * here always belongs to the admin who makes it, so it honours that admin's MFA requirement: ownerless
 * service tokens stay a thing of the host's CLI (`mailwarden token create`), as ARCHITECTURE.md says.
 */
export function adminTokenRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const tokensPage = async (
    c: Parameters<typeof adminPage>[0],
    notice: AdminNotice,
    created: SafeHtml | '' = '',
    status: ContentfulStatusCode = 200,
  ) => {
    const csrf = adminCsrf(c, deps);
    const r = readerOf(c, deps);
    const { t } = r;
    const [tokens, users] = await Promise.all([
      deps.directory.listApiTokens(),
      deps.directory.listUsers({ limit: 1000 }),
    ]);
    const addressOf = new Map(users.users.map((user) => [user.id, user.address]));
    return adminPage(
      c,
      deps,
      t('nav.admin.tokens'),
      html`${created}<section><table id="tokens">
          <thead><tr><th>${t('admin.col.name')}</th><th>${t('admin.col.role')}</th><th>${t('admin.tokens.actsFor')}</th><th>${t('admin.col.created')}</th><th>${t('admin.tokens.lastUsed')}</th><th><span class="visually-hidden">${t('admin.col.actions')}</span></th></tr></thead>
          <tbody>${tokens.map(
            (token) => html`<tr class="token" data-name="${token.name}">
              <td>${token.name}</td><td>${token.role === 'admin' ? t('admin.tokens.roleAdmin') : t('admin.tokens.roleAuditor')}</td>
              <td>${token.ownerUserId ? (addressOf.get(token.ownerUserId) ?? token.ownerUserId) : t('admin.tokens.service')}</td>
              <td>${at(r, token.createdAt, 'day')} ${t('admin.tokens.createdBy', { by: token.createdBy })}</td>
              <td>${token.lastUsedAt ? at(r, token.lastUsedAt, 'relative') : t('admin.tokens.never')}</td>
              <td class="token-state">${
                token.revoked
                  ? t('admin.tokens.revoked')
                  : html`<form method="post" action="/admin/tokens/${encodeURIComponent(token.name)}/revoke" class="inline">${csrfField(csrf)}<button type="submit" class="danger revoke">${t('admin.tokens.revoke')}</button></form>`
              }</td>
            </tr>`,
          )}</tbody>
        </table></section>
        <section><h2>${t('admin.tokens.newHeading')}</h2>
          <form method="post" action="/admin/tokens">${csrfField(csrf)}
            <label for="token-name">${t('admin.col.name')}</label><input type="text" id="token-name" name="name" required>
            <label for="token-role">${t('admin.col.role')}</label>
            <select id="token-role" name="role">${apiTokenRoles.map((role) => html`<option value="${role}">${role === 'admin' ? t('admin.tokens.roleAdminLong') : t('admin.tokens.roleAuditorLong')}</option>`)}</select>
            <button type="submit" id="create-token">${t('admin.create')}</button>
          </form></section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/tokens', (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return tokensPage(
      c,
      c.req.query('revoked') ? { kind: 'ok', text: c.var.t('admin.tokens.revokedNotice') } : null,
    );
  });

  routes.post('/admin/tokens', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const role =
      typeof body['role'] === 'string' && (apiTokenRoles as readonly string[]).includes(body['role'])
        ? (body['role'] as ApiTokenRole)
        : null;
    if (!role) return tokensPage(c, { kind: 'error', text: c.var.t('admin.tokens.chooseRole') }, '', 422);
    const outcome = await deps.directory.createApiToken(
      { name: typeof body['name'] === 'string' ? body['name'] : '', role, owner: session.user.address },
      adminActor(c, session),
    );
    if (!outcome.ok)
      return tokensPage(
        c,
        { kind: 'error', text: refusalWords(c.var.t, outcome) },
        '',
        apiErrorStatus[outcome.code],
      );
    return tokensPage(
      c,
      { kind: 'ok', text: c.var.t('admin.tokens.created', { name: outcome.record.name }) },
      html`<section><h2>${c.var.t('admin.tokens.yourNew')}</h2>
        <p>${c.var.t('admin.tokens.copyNow')} <code>Authorization: Bearer …</code>.</p>
        <p><code id="new-token">${outcome.token}</code></p></section>`,
    );
  });

  routes.post('/admin/tokens/:name/revoke', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const outcome = await deps.directory.revokeApiToken(c.req.param('name'), adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, refusalWords(c.var.t, outcome));
    return c.redirect('/admin/tokens?revoked=1', 303);
  });

  return routes;
}
