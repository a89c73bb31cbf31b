import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiErrorStatus } from '../http-status/index.js';
import { isMailPasswordMode, MAIL_PASSWORD_MODES } from '../identity/index.js';
import type { Restriction } from '../outbound/index.js';
import { adminActor } from './actor.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage, readerOf } from './admin-page.js';
import {
  createdUserView,
  playbookNotice,
  securedView,
  type UserFacts,
  userPath,
  usersView,
  userView,
} from './admin-views.js';
import { sendingBlock, signInsBlock } from './chart-blocks.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { refusalWords } from './refusal-words.js';
import { refusePage } from './refusals.js';
import { recentSignIns } from './sign-in-log.js';

const USERS_PER_PAGE = 100;

/**
 * In force: not released, and (restrict-today) not lifted at midnight yet. The password counts as
 * changed only when it changed after the restriction began.
 */
export function restrictionState(
  restrictions: readonly Restriction[],
  passwordChangedAt: string | null,
  nowMs: number,
): { active: Restriction | undefined; passwordChanged: boolean } {
  const active = restrictions.find(
    (entry) => entry.released === null && (entry.until === null || Date.parse(entry.until) > nowMs),
  );
  const passwordChanged =
    active !== undefined &&
    passwordChangedAt !== null &&
    Date.parse(passwordChangedAt) > Date.parse(active.since);
  return { active, passwordChanged };
}

/** The users list, a user's page, and what an admin does to a user: create, release, block, secure. */
export function adminUserRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  const readUserFacts = async (address: string): Promise<UserFacts | null> => {
    const user = await deps.directory.findUser(address);
    if (!user) return null;
    const [restrictions, mfa, rules, signIns, mailPassword] = await Promise.all([
      deps.outbound.restrictionsOf(user.address),
      deps.identity.mfa.show(user.address),
      deps.respond.inboxRules(user.address),
      recentSignIns(deps, user, 20),
      deps.identity.mailPasswordStates([user.address]),
    ]);
    const state = restrictionState(
      restrictions.ok ? restrictions.restrictions : [],
      user.passwordChangedAt,
      deps.clock.nowMs(),
    );
    return {
      user,
      ...state,
      mfaState: mfa.ok ? mfa.mfa.state : null,
      mfaOn: mfa.ok && mfa.mfa.state !== 'disabled',
      rules,
      signIns,
      mailPassword: mailPassword.get(user.address) ?? null,
    };
  };

  const userPage = async (
    c: Context<ConsoleEnv>,
    address: string,
    notice: AdminNotice,
    status: ContentfulStatusCode = 200,
  ) => {
    const facts = await readUserFacts(address);
    if (!facts) return refusePage(c, 404, c.var.t('admin.users.noSuchUser', { address }));
    const [sending, signIns] = await Promise.all([
      sendingBlock(c, deps, facts.user.address, facts.active),
      signInsBlock(c, deps, facts.user.id),
    ]);
    return adminPage(
      c,
      deps,
      facts.user.address,
      userView({ ...facts, charts: { sending, signIns } }, adminCsrf(c, deps), readerOf(c, deps)),
      notice,
      status,
    );
  };

  const usersPage = async (
    c: Context<ConsoleEnv>,
    notice: AdminNotice,
    status: ContentfulStatusCode = 200,
  ) => {
    const after = c.req.query('after');
    const [listed, restricted] = await Promise.all([
      deps.directory.listUsers({ limit: USERS_PER_PAGE, ...(after ? { afterAddress: after } : {}) }),
      deps.outbound.listRestricted(),
    ]);
    const restrictedMailboxes = new Set(restricted.map((restriction) => restriction.mailbox));
    // One query each for the page's MFA states and mail password modes, not one per user.
    const addresses = listed.users.map((user) => user.address);
    const [mailPasswords, mfaStates] = await Promise.all([
      deps.identity.mailPasswordStates(addresses),
      deps.identity.mfaStates(addresses),
    ]);
    const rows = listed.users.map((user) => ({
      user,
      mfaState: mfaStates.get(user.address) ?? null,
      restricted: restrictedMailboxes.has(user.address),
      mailAccountPassword: mailPasswords.get(user.address)?.mode === 'account-password',
    }));
    return adminPage(
      c,
      deps,
      c.var.t('nav.admin.users'),
      usersView({ rows, nextCursor: listed.nextCursor }, adminCsrf(c, deps), readerOf(c, deps)),
      notice,
      status,
    );
  };

  routes.get('/admin/users', (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const deleted = c.req.query('deleted');
    return usersPage(
      c,
      deleted ? { kind: 'ok', text: c.var.t('admin.users.deleted', { address: deleted }) } : null,
    );
  });

  /**
   * A new user: a random password nobody sees, then the admin reset (account-admin.ts), so the
   * temporary password works only on the web and must be changed there first, as after a reset.
   */
  routes.post('/admin/users', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const actor = adminActor(c, session);
    const name = typeof body['name'] === 'string' && body['name'].trim() !== '' ? body['name'].trim() : null;
    const created = await deps.directory.createUser(
      {
        address: typeof body['address'] === 'string' ? body['address'] : '',
        displayName: name,
        role: body['admin'] === 'on' ? 'admin' : 'user',
        password: randomBytes(32).toString('base64url'),
      },
      actor,
    );
    if (!created.ok)
      return usersPage(
        c,
        { kind: 'error', text: refusalWords(c.var.t, created) },
        apiErrorStatus[created.code],
      );
    const reset = await deps.identity.resetPassword(
      created.user.address,
      { revokeAppPasswords: false },
      actor,
    );
    if (!reset.ok) return refusePage(c, 404, refusalWords(c.var.t, reset));
    return adminPage(
      c,
      deps,
      c.var.t('admin.users.createdTitle', { address: created.user.address }),
      createdUserView(created.user.address, reset.temporaryPassword, c.var.t),
      { kind: 'ok', text: c.var.t('admin.users.created', { address: created.user.address }) },
    );
  });

  routes.get('/admin/users/:address', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const released = c.req.query('released') === '1';
    return userPage(
      c,
      c.req.param('address'),
      released ? { kind: 'ok', text: c.var.t('admin.release.done') } : null,
    );
  });

  routes.post('/admin/users/:address/release', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const address = c.req.param('address');
    const body = await c.req.parseBody();
    const outcome = await deps.outbound.release(
      address,
      { reason: typeof body['reason'] === 'string' ? body['reason'] : '', force: body['force'] === 'on' },
      adminActor(c, session),
    );
    if (outcome.ok) return c.redirect(`${userPath(outcome.restriction.mailbox)}?released=1`, 303);
    return userPage(c, address, { kind: 'error', text: refusalWords(c.var.t, outcome) }, 409);
  });

  // Alternatives in a group: Hono's `{a|b}` leaks the `|` into its combined pattern, which then takes
  // longer paths too (admin-directory-routes.ts).
  routes.post('/admin/users/:address/:verb{(?:disable|enable)}', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const disable = c.req.param('verb') === 'disable';
    const outcome = await deps.directory.setDisabled(c.req.param('address'), disable, adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, refusalWords(c.var.t, outcome));
    return c.redirect(userPath(outcome.user.address), 303);
  });

  /** Moves an account's mail clients to app passwords, or lets them keep the account password again. */
  routes.post('/admin/users/:address/mail-password', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const address = c.req.param('address');
    const body = await c.req.parseBody();
    const mode = body['mode'];
    if (!isMailPasswordMode(mode))
      return userPage(
        c,
        address,
        {
          kind: 'error',
          text: c.var.t('admin.mailPassword.badMode', {
            first: MAIL_PASSWORD_MODES[0],
            second: MAIL_PASSWORD_MODES[1],
          }),
        },
        400,
      );
    const outcome = await deps.identity.setMailPassword(address, mode, adminActor(c, session));
    const t = c.var.t;
    if (!outcome.ok) return refusePage(c, 404, t('admin.users.noSuchUser', { address }));
    const now =
      mode === 'app-passwords-only' ? t('admin.mailPassword.nowAppOnly') : t('admin.mailPassword.nowAccount');
    return userPage(c, outcome.user.address, {
      kind: outcome.changed ? 'ok' : 'info',
      text: outcome.changed
        ? t('admin.mailPassword.changed', { address: outcome.user.address, now })
        : t('admin.mailPassword.unchanged', { address: outcome.user.address, now }),
    });
  });

  routes.post('/admin/users/:address/secure', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const address = c.req.param('address');
    const body = await c.req.parseBody();
    const ticked = (name: string) => body[name] === 'on';
    const reason = typeof body['reason'] === 'string' ? body['reason'] : '';
    const outcome = await deps.respond.secureAccount(
      address,
      {
        revokeAppPasswords: ticked('revokeAppPasswords'),
        resetMfa: ticked('resetMfa'),
        disableInboxRules: ticked('disableInboxRules'),
        ...(ticked('release') ? { release: { reason } } : {}),
      },
      adminActor(c, session),
    );
    if (!outcome.ok) return refusePage(c, 404, refusalWords(c.var.t, outcome));
    return adminPage(
      c,
      deps,
      c.var.t('admin.secure.doneTitle', { address: outcome.user }),
      securedView(outcome, c.var.t),
      playbookNotice(outcome.steps, c.var.t),
    );
  });

  return routes;
}
