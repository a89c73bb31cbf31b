import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ApiTokenRole, apiTokenRoles } from '../directory/index.js';
import { apiErrorStatus } from '../http-status/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { refusePage } from './refusals.js';
import { when } from './time.js';

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
    const [tokens, users] = await Promise.all([
      deps.directory.listApiTokens(),
      deps.directory.listUsers({ limit: 1000 }),
    ]);
    const addressOf = new Map(users.users.map((user) => [user.id, user.address]));
    return adminPage(
      c,
      deps,
      'API tokens',
      html`${created}<section><table id="tokens">
          <thead><tr><th>Name</th><th>Role</th><th>Acts for</th><th>Created</th><th>Last used</th><th></th></tr></thead>
          <tbody>${tokens.map(
            (token) => html`<tr class="token" data-name="${token.name}">
              <td>${token.name}</td><td>${token.role}</td>
              <td>${token.ownerUserId ? (addressOf.get(token.ownerUserId) ?? token.ownerUserId) : 'service (no person)'}</td>
              <td>${when(token.createdAt, 'day')} by ${token.createdBy}</td>
              <td>${token.lastUsedAt?.slice(0, 19).replace('T', ' ') ?? 'never'}</td>
              <td class="token-state">${
                token.revoked
                  ? 'revoked'
                  : html`<form method="post" action="/admin/tokens/${encodeURIComponent(token.name)}/revoke" class="inline">${csrfField(csrf)}<button type="submit" class="danger revoke">Revoke</button></form>`
              }</td>
            </tr>`,
          )}</tbody>
        </table></section>
        <section><h2>New token for you</h2>
          <form method="post" action="/admin/tokens">${csrfField(csrf)}
            <label for="token-name">Name</label><input type="text" id="token-name" name="name" required>
            <label for="token-role">Role</label>
            <select id="token-role" name="role">${apiTokenRoles.map((role) => html`<option value="${role}">${role === 'admin' ? 'admin (reads and changes)' : 'auditor (reads only)'}</option>`)}</select>
            <button type="submit" id="create-token">Create</button>
          </form></section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/tokens', (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return tokensPage(c, c.req.query('revoked') ? { kind: 'ok', text: 'Revoked.' } : null);
  });

  routes.post('/admin/tokens', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const role =
      typeof body['role'] === 'string' && (apiTokenRoles as readonly string[]).includes(body['role'])
        ? (body['role'] as ApiTokenRole)
        : null;
    if (!role) return tokensPage(c, { kind: 'error', text: 'Choose a role from the list.' }, '', 422);
    const outcome = await deps.directory.createApiToken(
      { name: typeof body['name'] === 'string' ? body['name'] : '', role, owner: session.user.address },
      adminActor(c, session),
    );
    if (!outcome.ok)
      return tokensPage(c, { kind: 'error', text: outcome.message }, '', apiErrorStatus[outcome.code]);
    return tokensPage(
      c,
      { kind: 'ok', text: `Token ${outcome.record.name} created.` },
      html`<section><h2>Your new token</h2>
        <p>Copy it now: it is shown only once and stored only as a hash. Send it as <code>Authorization: Bearer …</code>.</p>
        <p><code id="new-token">${outcome.token}</code></p></section>`,
    );
  });

  routes.post('/admin/tokens/:name/revoke', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const outcome = await deps.directory.revokeApiToken(c.req.param('name'), adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, outcome.message);
    return c.redirect('/admin/tokens?revoked=1', 303);
  });

  return routes;
}
