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
import { refusalWords } from './refusal-words.js';
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
          <label for="confirm">${c.var.t('admin.removal.typeBefore')} <code>${removal.expected}</code> ${c.var.t('admin.removal.typeAfter')}</label>
          <input type="text" id="confirm" name="confirm" required autocomplete="off" spellcheck="false">
          <button type="submit" class="danger" id="${removal.button.id}">${removal.button.label}</button>
        </form>
        <p><a href="${removal.back}" id="cancel-removal">${c.var.t('admin.cancel')}</a></p></section>`,
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
          { kind: 'error', text: c.var.t('admin.removal.mismatch', { expected: removal.expected }) },
          422,
        );
      const outcome = await remove(c, adminActor(c, session), body);
      if (outcome.ok) return c.redirect(outcome.next, 303);
      // The directory's own words, with the status the API gives the same refusal.
      return confirmPage(
        c,
        removal,
        { kind: 'error', text: refusalWords(c.var.t, outcome) },
        apiErrorStatus[outcome.code],
      );
    });
  };

  confirmed(
    '/admin/users/:address/delete',
    async (c) => {
      const t = c.var.t;
      const user = await deps.directory.findUser(param(c, 'address'));
      if (!user) return t('admin.users.noSuchUser', { address: param(c, 'address') });
      return {
        title: t('admin.removal.deleteUserTitle', { address: user.address }),
        explain: html`<p>${t('admin.removal.deleteUserEnds', { address: user.address })} ${
          user.aliases.length > 0
            ? t('admin.removal.deleteUserAliases', { aliases: user.aliases.join(', ') })
            : t('admin.removal.deleteUserAddresses')
        }</p>
          <p>${t('admin.removal.deleteUserStays')}</p>`,
        expected: user.address,
        button: { id: 'delete-user', label: t('admin.removal.deleteUserButton') },
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
      const t = c.var.t;
      const user = await deps.directory.findUser(param(c, 'address'));
      const alias = param(c, 'alias').toLowerCase();
      if (!user?.aliases.includes(alias))
        return t('admin.removal.noAlias', { address: param(c, 'address'), alias: param(c, 'alias') });
      return {
        title: t('admin.removal.aliasTitle', { alias }),
        explain: html`<p>${t('admin.removal.aliasExplain', { address: user.address, alias })}</p>`,
        expected: alias,
        button: { id: 'remove-alias', label: t('admin.removal.aliasButton') },
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
      const t = c.var.t;
      const name = param(c, 'name').toLowerCase();
      const domains = await deps.directory.listDomains();
      if (!domains.some((domain) => domain.name === name)) return t('admin.removal.noDomain', { name });
      return {
        title: t('admin.removal.domainTitle', { name }),
        explain: html`<p>${t('admin.removal.domainExplain', { name })}</p>`,
        extra: html`<label><input type="checkbox" name="withUsers" id="with-users"> ${t('admin.removal.domainWithUsers', { name })}</label>`,
        expected: name,
        button: { id: 'remove-domain', label: t('admin.removal.domainButton') },
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
      const t = c.var.t;
      const name = param(c, 'name').toLowerCase();
      const group = (await deps.directory.listGroups()).find((candidate) => candidate.name === name);
      if (!group) return t('admin.removal.noGroup', { name });
      return {
        title: t('admin.removal.groupTitle', { name }),
        explain: html`<p>${t('admin.removal.groupExplain', { members: group.members.join(', ') || t('admin.removal.none') })}</p>`,
        expected: name,
        button: { id: 'delete-group', label: t('admin.removal.groupButton') },
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
      const t = c.var.t;
      const name = param(c, 'name').toLowerCase();
      const address = param(c, 'address').toLowerCase();
      const group = (await deps.directory.listGroups()).find((candidate) => candidate.name === name);
      if (!group?.members.includes(address)) return t('admin.removal.notMember', { address, name });
      return {
        title: t('admin.removal.memberTitle', { address, name }),
        explain: html`<p>${t('admin.removal.memberExplain', { address, name })}</p>`,
        expected: address,
        button: { id: 'remove-member', label: t('admin.removal.memberButton') },
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
