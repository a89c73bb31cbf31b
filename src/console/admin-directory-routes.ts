import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiErrorStatus } from '../http-status/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';

/**
 * /admin/directory: the organization's domains (what counts as internal for limits, forwarding and
 * inbox rules) and groups (what sending policies are scoped to), and adding to both, audited.
 */
export function adminDirectoryRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const directoryPage = async (
    c: Parameters<typeof adminPage>[0],
    notice: AdminNotice,
    status: ContentfulStatusCode = 200,
  ) => {
    const csrf = adminCsrf(c, deps);
    const [domains, groups] = await Promise.all([deps.directory.listDomains(), deps.directory.listGroups()]);
    return adminPage(
      c,
      deps,
      'Domains and groups',
      html`<section><h2>Domains</h2>
          <ul id="domains">${domains.map(
            (domain) =>
              html`<li class="domain" data-name="${domain.name}">${domain.name} <a class="remove" href="/admin/directory/domains/${encodeURIComponent(domain.name)}/remove">Remove</a></li>`,
          )}</ul>
          <form method="post" action="/admin/directory/domains" class="row">${csrfField(csrf)}
            <input type="text" id="domain-name" name="name" placeholder="example.net" aria-label="Domain">
            <button type="submit" id="add-domain">Add domain</button>
          </form></section>
        <section><h2>Groups</h2>
          <table id="groups"><thead><tr><th>Group</th><th>Members</th><th></th><th></th></tr></thead>
            <tbody>${groups.map((group) => {
              const groupPath = `/admin/directory/groups/${encodeURIComponent(group.name)}`;
              return html`<tr class="group" data-name="${group.name}"><td>${group.name}</td>
                <td class="members">${group.members.join(', ') || '—'}</td>
                <td>${group.members.map(
                  (member) =>
                    html`<a class="remove member-removal" href="${groupPath}/members/${encodeURIComponent(member)}/remove">Remove ${member}</a><br>`,
                )}</td>
                <td><a class="remove" href="${groupPath}/delete">Delete</a></td></tr>`;
            })}</tbody></table>
          <form method="post" action="/admin/directory/groups" class="row">${csrfField(csrf)}
            <input type="text" id="group-name" name="name" placeholder="sales" aria-label="Group">
            <button type="submit" id="add-group">Add group</button>
          </form>
          <form method="post" action="/admin/directory/members" class="row">${csrfField(csrf)}
            <input type="text" id="member-group" name="group" placeholder="group" aria-label="Group">
            <input type="text" id="member-user" name="user" placeholder="user address" aria-label="User">
            <button type="submit" id="add-member">Add member</button>
          </form></section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/directory', (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return directoryPage(c, c.req.query('saved') ? { kind: 'ok', text: 'Saved.' } : null);
  });

  // `(?:…)`: with a bare `{domains|groups|members}` Hono's combined pattern also took
  // /admin/directory/groups/ops/delete and the other removal paths (admin-removal-routes.ts).
  routes.post('/admin/directory/:what{(?:domains|groups|members)}', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const field = (name: string) => (typeof body[name] === 'string' ? body[name].trim() : '');
    const actor = adminActor(c, session);
    const what = c.req.param('what');
    const outcome =
      what === 'domains'
        ? await deps.directory.addDomain(field('name'), actor)
        : what === 'groups'
          ? await deps.directory.addGroup(field('name'), actor)
          : await deps.directory.addGroupMember(field('group'), field('user'), actor);
    if (outcome.ok) return c.redirect('/admin/directory?saved=1', 303);
    // The directory's own words, with the status the API gives the same refusal.
    return directoryPage(c, { kind: 'error', text: outcome.message }, apiErrorStatus[outcome.code]);
  });

  return routes;
}
