import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../audit/index.js';
import type { DirectoryFailure } from '../directory/index.js';
import { apiErrorStatus } from '../http-status/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { refusePage } from './refusals.js';

interface Removal {
  title: string;
  /** What goes and what stays, in words. */
  explain: SafeHtml;
  /** What the admin types to confirm: the address or name being removed. */
  expected: string;
  button: { id: string; label: string };
  /** Extra fields of the form (the domain's "with its users"). */
  extra?: SafeHtml;
  back: string;
}

const userPath = (address: string) => `/admin/users/${encodeURIComponent(address)}`;

/** A path parameter of the route being served (the callbacks get a Context that does not know the path). */
const param = (c: Context<ConsoleEnv>, name: string): string => c.req.param(name) ?? '';

/**
 * Deleting from the admin pages: every remove button is a link to a confirmation page whose form
 * asks for the address or name typed out, so one stray click (or a page without JavaScript, where no
 * confirm() dialog could run under the CSP) never deletes anything. The form carries the session's
 * CSRF token like every admin form; the removal itself is the directory's, audited as the admin.
 */
export function adminRemovalRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const confirmPage = (
    c: Context<ConsoleEnv>,
    removal: Removal,
    notice: AdminNotice = null,
    status: ContentfulStatusCode = 200,
  ) =>
    adminPage(
      c,
      deps,
      removal.title,
      html`<section id="confirm-removal"><h2>${removal.title}</h2>${removal.explain}
        <form method="post">${csrfField(adminCsrf(c, deps))}
          ${removal.extra ?? ''}
          <label for="confirm">Type <code>${removal.expected}</code> to confirm</label>
          <input type="text" id="confirm" name="confirm" required autocomplete="off" spellcheck="false">
          <button type="submit" class="danger" id="${removal.button.id}">${removal.button.label}</button>
        </form>
        <p><a href="${removal.back}" id="cancel-removal">Cancel</a></p></section>`,
      notice,
      status,
    );

  /** GET shows the confirmation; POST checks the typed confirmation, then removes. */
  const confirmed = (
    path: string,
    describe: (c: Context<ConsoleEnv>) => Promise<Removal | string>,
    remove: (
      c: Context<ConsoleEnv>,
      actor: Actor,
      body: Record<string, unknown>,
    ) => Promise<{ ok: true; next: string } | DirectoryFailure>,
  ) => {
    routes.get(path, async (c) => {
      const session = adminGate(c);
      if (session instanceof Response) return session;
      const removal = await describe(c);
      return typeof removal === 'string' ? refusePage(c, 404, removal) : confirmPage(c, removal);
    });
    routes.post(path, async (c) => {
      const session = adminGate(c);
      if (session instanceof Response) return session;
      const removal = await describe(c);
      if (typeof removal === 'string') return refusePage(c, 404, removal);
      const body = await c.req.parseBody();
      const typed = typeof body['confirm'] === 'string' ? body['confirm'].trim().toLowerCase() : '';
      if (typed !== removal.expected.toLowerCase())
        return confirmPage(
          c,
          removal,
          { kind: 'error', text: `Nothing was removed: type ${removal.expected} exactly to confirm.` },
          422,
        );
      const outcome = await remove(c, adminActor(c, session), body);
      if (outcome.ok) return c.redirect(outcome.next, 303);
      // The directory's own words, with the status the API gives the same refusal.
      return confirmPage(c, removal, { kind: 'error', text: outcome.message }, apiErrorStatus[outcome.code]);
    });
  };

  confirmed(
    '/admin/users/:address/delete',
    async (c) => {
      const user = await deps.directory.findUser(param(c, 'address'));
      if (!user) return `There is no user ${param(c, 'address')}.`;
      return {
        title: `Delete ${user.address}`,
        explain: html`<p>Every way in ends at once: web sessions, app passwords, second factors and the API tokens ${user.address} owns. The addresses${user.aliases.length > 0 ? html` (also ${user.aliases.join(', ')})` : ''} are freed and the group memberships removed.</p>
          <p>The audit log, the sign-in log, restrictions and held messages stay as evidence.</p>`,
        expected: user.address,
        button: { id: 'delete-user', label: 'Delete the user' },
        back: userPath(user.address),
      };
    },
    async (c, actor) => {
      const outcome = await deps.directory.removeUser(param(c, 'address'), actor);
      return outcome.ok
        ? { ok: true, next: `/admin/users?deleted=${encodeURIComponent(outcome.user.address)}` }
        : outcome;
    },
  );

  confirmed(
    '/admin/users/:address/aliases/:alias/remove',
    async (c) => {
      const user = await deps.directory.findUser(param(c, 'address'));
      const alias = param(c, 'alias').toLowerCase();
      if (!user?.aliases.includes(alias)) return `${param(c, 'address')} has no alias ${param(c, 'alias')}.`;
      return {
        title: `Remove the alias ${alias}`,
        explain: html`<p>${user.address} can no longer send as ${alias}.</p>`,
        expected: alias,
        button: { id: 'remove-alias', label: 'Remove the alias' },
        back: userPath(user.address),
      };
    },
    async (c, actor) => {
      const outcome = await deps.directory.removeAlias(param(c, 'address'), param(c, 'alias'), actor);
      return outcome.ok ? { ok: true, next: userPath(outcome.user.address) } : outcome;
    },
  );

  confirmed(
    '/admin/directory/domains/:name/remove',
    async (c) => {
      const name = param(c, 'name').toLowerCase();
      const domains = await deps.directory.listDomains();
      if (!domains.some((domain) => domain.name === name))
        return `${name} is not a domain of the organization.`;
      return {
        title: `Remove the domain ${name}`,
        explain: html`<p>While users or aliases have addresses in ${name} the removal is refused and names them, unless you tick the box below.</p>`,
        extra: html`<label><input type="checkbox" name="withUsers" id="with-users"> Also delete every user of ${name} and remove every alias in it (each audited)</label>`,
        expected: name,
        button: { id: 'remove-domain', label: 'Remove the domain' },
        back: '/admin/directory',
      };
    },
    async (c, actor, body) => {
      const outcome = await deps.directory.removeDomain(
        param(c, 'name'),
        { withUsers: body['withUsers'] === 'on' },
        actor,
      );
      return outcome.ok ? { ok: true, next: '/admin/directory?saved=1' } : outcome;
    },
  );

  confirmed(
    '/admin/directory/groups/:name/delete',
    async (c) => {
      const name = param(c, 'name').toLowerCase();
      const group = (await deps.directory.listGroups()).find((candidate) => candidate.name === name);
      if (!group) return `There is no group ${name}.`;
      return {
        title: `Delete the group ${name}`,
        explain: html`<p>Its members (${group.members.join(', ') || 'none'}) stay users. A group that a sending policy is scoped to is refused.</p>`,
        expected: name,
        button: { id: 'delete-group', label: 'Delete the group' },
        back: '/admin/directory',
      };
    },
    async (c, actor) => {
      const outcome = await deps.directory.removeGroup(param(c, 'name'), actor);
      return outcome.ok ? { ok: true, next: '/admin/directory?saved=1' } : outcome;
    },
  );

  confirmed(
    '/admin/directory/groups/:name/members/:address/remove',
    async (c) => {
      const name = param(c, 'name').toLowerCase();
      const address = param(c, 'address').toLowerCase();
      const group = (await deps.directory.listGroups()).find((candidate) => candidate.name === name);
      if (!group?.members.includes(address)) return `${address} is not a member of group ${name}.`;
      return {
        title: `Remove ${address} from ${name}`,
        explain: html`<p>Sending policies scoped to ${name} no longer apply to ${address}.</p>`,
        expected: address,
        button: { id: 'remove-member', label: 'Remove from the group' },
        back: '/admin/directory',
      };
    },
    async (c, actor) => {
      const outcome = await deps.directory.removeGroupMember(param(c, 'name'), param(c, 'address'), actor);
      return outcome.ok ? { ok: true, next: '/admin/directory?saved=1' } : outcome;
    },
  );

  return routes;
}
