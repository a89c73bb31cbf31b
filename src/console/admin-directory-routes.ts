import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiErrorStatus } from '../http-status/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { csrfField } from './layout.js';
import { refusalWords } from './refusal-words.js';

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
    const t = c.var.t;
    const [domains, groups] = await Promise.all([deps.directory.listDomains(), deps.directory.listGroups()]);
    return adminPage(
      c,
      deps,
      t('admin.directory.title'),
      html`<section><h2>${t('admin.directory.domains')}</h2>
          <ul id="domains">${domains.map(
            (domain) =>
              html`<li class="domain" data-name="${domain.name}">${domain.name} <a class="remove" href="/admin/directory/domains/${encodeURIComponent(domain.name)}/remove">${t('admin.remove')}</a></li>`,
          )}</ul>
          <form method="post" action="/admin/directory/domains" class="row">${csrfField(csrf)}
            <input type="text" id="domain-name" name="name" placeholder="example.net" aria-label="${t('admin.directory.domain')}">
            <button type="submit" id="add-domain">${t('admin.directory.addDomain')}</button>
          </form></section>
        <section><h2>${t('admin.directory.groups')}</h2>
          <table id="groups"><thead><tr><th>${t('admin.directory.group')}</th><th>${t('admin.directory.members')}</th><th><span class="visually-hidden">${t('admin.directory.removeMembers')}</span></th><th><span class="visually-hidden">${t('admin.col.actions')}</span></th></tr></thead>
            <tbody>${groups.map((group) => {
              const groupPath = `/admin/directory/groups/${encodeURIComponent(group.name)}`;
              return html`<tr class="group" data-name="${group.name}"><td>${group.name}</td>
                <td class="members">${group.members.join(', ') || '—'}</td>
                <td>${group.members.map(
                  (member) =>
                    html`<a class="remove member-removal" href="${groupPath}/members/${encodeURIComponent(member)}/remove">${t('admin.directory.removeMember', { member })}</a><br>`,
                )}</td>
                <td><a class="remove" href="${groupPath}/delete">${t('admin.delete')}</a></td></tr>`;
            })}</tbody></table>
          <form method="post" action="/admin/directory/groups" class="row">${csrfField(csrf)}
            <input type="text" id="group-name" name="name" placeholder="${t('admin.directory.groupPlaceholder')}" aria-label="${t('admin.directory.group')}">
            <button type="submit" id="add-group">${t('admin.directory.addGroup')}</button>
          </form>
          <form method="post" action="/admin/directory/members" class="row">${csrfField(csrf)}
            <input type="text" id="member-group" name="group" placeholder="${t('admin.directory.groupField')}" aria-label="${t('admin.directory.group')}">
            <input type="text" id="member-user" name="user" placeholder="${t('admin.directory.userField')}" aria-label="${t('admin.directory.user')}">
            <button type="submit" id="add-member">${t('admin.directory.addMember')}</button>
          </form></section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/directory', (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return directoryPage(c, c.req.query('saved') ? { kind: 'ok', text: c.var.t('admin.saved') } : null);
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
    return directoryPage(
      c,
      { kind: 'error', text: refusalWords(c.var.t, outcome) },
      apiErrorStatus[outcome.code],
    );
  });

  return routes;
}
