import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Alert } from '../alerts/index.js';
import { apiErrorStatus } from '../http-status/index.js';
import type { Restriction } from '../outbound/index.js';
import type { InboxRuleScript, PlaybookStep } from '../respond/index.js';
import { adminActor } from './actor.js';
import { adminAuditRoutes } from './admin-audit-routes.js';
import { adminDirectoryRoutes } from './admin-directory-routes.js';
import { adminNotificationRoutes } from './admin-notification-routes.js';
import { type AdminNotice, adminCsrf, adminGate, adminPage } from './admin-page.js';
import { adminPolicyRoutes } from './admin-policy-routes.js';
import { adminQuarantineRoutes } from './admin-quarantine-routes.js';
import { adminRemovalRoutes } from './admin-removal-routes.js';
import { adminScoreRoutes } from './admin-score-routes.js';
import { adminSettingsRoutes } from './admin-settings-routes.js';
import { adminTokenRoutes } from './admin-token-routes.js';
import type { ConsoleDeps } from './console-app.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { refusePage } from './refusals.js';
import { recentSignIns, signInTable } from './sign-in-log.js';

const USERS_PER_PAGE = 100;

/** Words for a restriction's reason, as the admin reads them. */
const REASONS: Record<Restriction['reason'], string> = {
  'hourly-external-limit': 'external recipients per hour over the limit',
  'hourly-internal-limit': 'internal recipients per hour over the limit',
  'daily-limit': 'recipients per day over the limit',
  'spam-verdicts': 'repeated outgoing spam',
};

const userPath = (address: string) => `/admin/users/${encodeURIComponent(address)}`;

/**
 * The admin pages: what needs attention, the restricted senders with their evidence, the release and
 * the secure-this-account playbook on the same screen (PRODUCT.md, "Release"), and alert triage.
 * They call the same module functions as the CLI and the API.
 */
export function adminRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { app } = deps;
  const routes = new Hono<ConsoleEnv>();

  const restrictedTable = (restricted: readonly Restriction[]) =>
    restricted.length === 0
      ? html`<p class="muted" id="no-restricted">Nobody is restricted from sending.</p>`
      : html`<table id="restricted">
          <thead><tr><th>Mailbox</th><th>Since</th><th>Why</th><th>Until</th></tr></thead>
          <tbody>${restricted.map(
            (restriction) => html`<tr class="restricted-sender">
              <td><a href="${userPath(restriction.mailbox)}">${restriction.mailbox}</a></td>
              <td>${restriction.since}</td>
              <td>${REASONS[restriction.reason]} (policy ${restriction.policyName})</td>
              <td>${restriction.until ?? 'an administrator releases it'}</td>
            </tr>`,
          )}</tbody>
        </table>`;

  const alertsTable = (alerts: readonly Alert[], csrf: string) =>
    alerts.length === 0
      ? html`<p class="muted" id="no-alerts">No alerts.</p>`
      : html`<table id="alerts">
          <thead><tr><th>Severity</th><th>Alert</th><th>Mailbox</th><th>Last</th><th>Count</th><th>Status</th><th></th></tr></thead>
          <tbody>${alerts.map(
            (alert) => html`<tr class="alert" data-id="${alert.id}">
              <td class="severity-${alert.severity}">${alert.severity}</td>
              <td>${alert.title}</td>
              <td>${alert.mailbox ? html`<a href="${userPath(alert.mailbox)}">${alert.mailbox}</a>` : '—'}</td>
              <td>${alert.lastAt}</td>
              <td>${alert.count}</td>
              <td class="alert-status">${alert.status}</td>
              <td>${(['acknowledge', 'resolve'] as const)
                .filter(
                  (verb) =>
                    !(verb === 'acknowledge' && alert.status !== 'new') && alert.status !== 'resolved',
                )
                .map(
                  (verb) =>
                    html`<form method="post" action="/admin/alerts/${alert.id}/${verb}" class="inline">${csrfField(csrf)}<button type="submit" class="${verb}">${verb === 'acknowledge' ? 'Acknowledge' : 'Resolve'}</button></form>`,
                )}</td>
            </tr>`,
          )}</tbody>
        </table>`;

  routes.get('/admin', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const [restricted, alerts] = await Promise.all([
      app.outbound.listRestricted(),
      app.alerts.list({ status: 'new', limit: 50 }),
    ]);
    return adminPage(
      c,
      app,
      'Needs attention',
      html`<section><h2>Restricted senders (${restricted.length})</h2>${restrictedTable(restricted)}</section>
        <section><h2>New alerts (${alerts.length})</h2>${alertsTable(alerts, adminCsrf(c, app))}
          <p><a href="/admin/alerts">Every alert</a></p></section>`,
    );
  });

  routes.get('/admin/restricted', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    return adminPage(
      c,
      app,
      'Restricted senders',
      html`<section>${restrictedTable(await app.outbound.listRestricted())}</section>`,
    );
  });

  /** A user's restriction, why, whether the account is secured, where it signed in from, its inbox rules, and what to do. */
  const userPage = async (
    c: Context<ConsoleEnv>,
    address: string,
    notice: AdminNotice,
    status: ContentfulStatusCode = 200,
  ) => {
    const user = await app.directory.findUser(address);
    if (!user) return refusePage(c, 404, `There is no user ${address}.`);
    const csrf = adminCsrf(c, app);
    const [restrictions, mfa, rules, signIns] = await Promise.all([
      app.outbound.restrictionsOf(user.address),
      app.identity.mfa.show(user.address),
      app.respond.inboxRules(user.address),
      recentSignIns(app, user, 20),
    ]);
    // In force: not released, and (restrict-today) not lifted at midnight yet.
    const now = app.clock.nowMs();
    const active = restrictions.ok
      ? restrictions.restrictions.find(
          (entry) => entry.released === null && (entry.until === null || Date.parse(entry.until) > now),
        )
      : undefined;
    const passwordChanged =
      active !== undefined &&
      user.passwordChangedAt !== null &&
      Date.parse(user.passwordChangedAt) > Date.parse(active.since);
    const mfaOn = mfa.ok && mfa.mfa.state !== 'disabled';
    const evidence = active?.evidence;
    return adminPage(
      c,
      app,
      user.address,
      html`${
        active && evidence
          ? html`<section id="restriction"><h2>Restricted from sending</h2>
          <table class="facts">
            <tr><th>Since</th><td>${active.since}</td></tr>
            <tr><th>Why</th><td id="restriction-reason">${REASONS[active.reason]} (policy ${active.policyName})</td></tr>
            <tr><th>Counts</th><td>${Object.entries(evidence.counts)
              .map(([key, value]) => `${key} ${value}`)
              .join(', ')}</td></tr>
            <tr><th>Sample subjects</th><td id="sample-subjects">${evidence.sampleSubjects.join(' | ') || '—'}</td></tr>
            <tr><th>Recipient domains</th><td>${evidence.recipientDomains
              .map((entry) => `${entry.domain} (${entry.recipients})`)
              .join(', ')}</td></tr>
            <tr><th>Source IPs</th><td>${evidence.sourceIps.join(', ') || '—'}</td></tr>
          </table></section>`
          : html`<section><p id="not-restricted">${user.address} is not restricted from sending.</p></section>`
      }
      <section id="secured"><h2>Is the account secured?</h2>
        <ul>
          <li class="${passwordChanged || !active ? 'ok' : 'missing'}">Password changed since the restriction: <strong id="check-password">${active ? (passwordChanged ? 'yes' : 'no') : '—'}</strong></li>
          <li class="${mfaOn ? 'ok' : 'missing'}">Multi-factor authentication: <strong id="check-mfa">${mfa.ok ? mfa.mfa.state : 'unknown'}</strong></li>
        </ul>
      </section>
      <section id="recent-sign-ins"><h2>Recent sign-ins</h2>${signInTable(signIns)}
        <p><a id="mailbox-audit" href="/admin/audit?mailbox=${encodeURIComponent(user.address)}&amp;hours=720">What happened in this mailbox (audit log, 30 days)</a></p></section>
      <section id="inbox-rules"><h2>Inbox rules</h2>${inboxRulesBlock(rules)}</section>
      <section><h2>Secure this account</h2>
        <p>Resets the password (you get a temporary one to hand over), ends every session, and does what is ticked below; each step is audited.</p>
        <form method="post" action="/admin/users/${encodeURIComponent(user.address)}/secure">${csrfField(csrf)}
          <label><input type="checkbox" name="revokeAppPasswords" checked> Revoke every app password</label>
          <label><input type="checkbox" name="resetMfa"> Remove the registered second factors first (one may be the attacker's)</label>
          <label><input type="checkbox" name="disableInboxRules" checked> Deactivate inbox rules that forward or hide mail</label>
          ${
            active
              ? html`<label><input type="checkbox" name="release" id="secure-release" checked> Then release the sender</label>
                <label for="secure-reason">Reason (kept in the audit log)</label>
                <input type="text" id="secure-reason" name="reason" value="account secured after compromise">`
              : ''
          }
          <button type="submit" class="danger" id="secure-account">Secure this account</button>
        </form>
      </section>
      ${
        active
          ? html`<section><h2>Release without the playbook</h2>
        <form method="post" action="${userPath(user.address)}/release">${csrfField(csrf)}
          <label for="release-reason">Reason (kept in the audit log)</label>
          <input type="text" id="release-reason" name="reason" required minlength="3">
          <label><input type="checkbox" name="force" id="release-force"> Release even though the account is not secured</label>
          <button type="submit" id="release">Release</button>
        </form></section>`
          : ''
      }
      <section id="sign-in-access"><h2>${user.disabled ? 'Blocked' : 'Block the account'}</h2>
        ${
          user.disabled
            ? html`<p id="user-disabled">${user.address} cannot sign in or send.</p>`
            : html`<p>Stops every sign-in (web and mail) and all sending until an administrator enables it again.</p>`
        }
        <form method="post" action="${userPath(user.address)}/${user.disabled ? 'enable' : 'disable'}">${csrfField(csrf)}
          <button type="submit" class="${user.disabled ? '' : 'danger'}" id="${user.disabled ? 'enable-user' : 'disable-user'}">${user.disabled ? 'Enable the account' : 'Block the account'}</button>
        </form>
      </section>
      <section id="aliases"><h2>Aliases</h2>${
        user.aliases.length === 0
          ? html`<p class="muted">No aliases.</p>`
          : html`<ul>${user.aliases.map(
              (alias) =>
                html`<li class="alias">${alias} <a class="remove" href="${userPath(user.address)}/aliases/${encodeURIComponent(alias)}/remove">Remove</a></li>`,
            )}</ul>`
      }</section>
      <section id="delete-account"><h2>Delete the account</h2>
        <p>Ends every way in at once and frees the addresses; the audit and sign-in logs stay. You confirm on the next page.</p>
        <p><a class="remove" id="delete-user-link" href="${userPath(user.address)}/delete">Delete ${user.address}</a></p>
      </section>`,
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
    const listed = await app.directory.listUsers({
      limit: USERS_PER_PAGE,
      ...(after ? { afterAddress: after } : {}),
    });
    return adminPage(
      c,
      app,
      'Users',
      html`<section><table id="users">
          <thead><tr><th>Address</th><th>Role</th><th>State</th><th>Password changed</th><th></th></tr></thead>
          <tbody>${listed.users.map(
            (user) => html`<tr class="user">
              <td><a href="${userPath(user.address)}">${user.address}</a></td>
              <td>${user.role}</td>
              <td>${user.disabled ? 'disabled' : 'enabled'}</td>
              <td>${user.passwordChangedAt ?? '—'}</td>
              <td><a class="remove" href="${userPath(user.address)}/delete">Delete</a></td>
            </tr>`,
          )}</tbody>
        </table>
        ${listed.nextCursor ? html`<p><a id="next-page" href="/admin/users?after=${encodeURIComponent(listed.nextCursor)}">Next page</a></p>` : ''}
      </section>
      <section><h2>New user</h2>
        <p>The user gets a temporary password (shown once on the next page) to change at the first sign-in.</p>
        <form method="post" action="/admin/users">${csrfField(adminCsrf(c, app))}
          <label for="new-user-address">Address</label><input type="text" id="new-user-address" name="address" required>
          <label for="new-user-name">Display name</label><input type="text" id="new-user-name" name="name">
          <label><input type="checkbox" name="admin" id="new-user-admin"> Administrator</label>
          <button type="submit" id="create-user">Create</button>
        </form></section>`,
      notice,
      status,
    );
  };

  routes.get('/admin/users', (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const deleted = c.req.query('deleted');
    return usersPage(c, deleted ? { kind: 'ok', text: `${deleted} was deleted.` } : null);
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
    const created = await app.directory.createUser(
      {
        address: typeof body['address'] === 'string' ? body['address'] : '',
        displayName: name,
        role: body['admin'] === 'on' ? 'admin' : 'user',
        password: randomBytes(32).toString('base64url'),
      },
      actor,
    );
    if (!created.ok)
      return usersPage(c, { kind: 'error', text: created.message }, apiErrorStatus[created.code]);
    const reset = await app.identity.resetPassword(
      created.user.address,
      { revokeAppPasswords: false },
      actor,
    );
    if (!reset.ok) return refusePage(c, 404, reset.message);
    return adminPage(
      c,
      app,
      `Created ${created.user.address}`,
      html`<section><h2>Temporary password</h2>
        <p>Give it to ${created.user.address} in person or by phone, never by email. It is shown only now; it works only on the web, where a new password must be chosen.</p>
        <p><code id="temporary-password">${reset.temporaryPassword}</code></p>
        <p><a href="${userPath(created.user.address)}">${created.user.address}</a></p></section>`,
      { kind: 'ok', text: `${created.user.address} was created.` },
    );
  });

  routes.get('/admin/users/:address', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const released = c.req.query('released') === '1';
    return userPage(
      c,
      c.req.param('address'),
      released ? { kind: 'ok', text: 'Released: the account can send again.' } : null,
    );
  });

  routes.post('/admin/users/:address/release', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const address = c.req.param('address');
    const body = await c.req.parseBody();
    const outcome = await app.outbound.release(
      address,
      { reason: typeof body['reason'] === 'string' ? body['reason'] : '', force: body['force'] === 'on' },
      adminActor(c, session),
    );
    if (outcome.ok) return c.redirect(`${userPath(outcome.restriction.mailbox)}?released=1`, 303);
    return userPage(c, address, { kind: 'error', text: outcome.message }, 409);
  });

  // Alternatives in a group: Hono's `{a|b}` leaks the `|` into its combined pattern, which then takes
  // longer paths too (admin-directory-routes.ts).
  routes.post('/admin/users/:address/:verb{(?:disable|enable)}', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const disable = c.req.param('verb') === 'disable';
    const outcome = await app.directory.setDisabled(c.req.param('address'), disable, adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, outcome.message);
    return c.redirect(userPath(outcome.user.address), 303);
  });

  routes.post('/admin/users/:address/secure', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const address = c.req.param('address');
    const body = await c.req.parseBody();
    const ticked = (name: string) => body[name] === 'on';
    const reason = typeof body['reason'] === 'string' ? body['reason'] : '';
    const outcome = await app.respond.secureAccount(
      address,
      {
        revokeAppPasswords: ticked('revokeAppPasswords'),
        resetMfa: ticked('resetMfa'),
        disableInboxRules: ticked('disableInboxRules'),
        ...(ticked('release') ? { release: { reason } } : {}),
      },
      adminActor(c, session),
    );
    if (!outcome.ok) return refusePage(c, 404, outcome.message);
    return adminPage(
      c,
      app,
      `Secured ${outcome.user}`,
      html`<section><h2>Temporary password</h2>
          <p>Give it to ${outcome.user} in person or by phone, never by email. It is shown only now; it works only on the web, where a new password must be chosen.</p>
          <p><code id="temporary-password">${outcome.temporaryPassword}</code></p>
        </section>
        <section><h2>Steps</h2>${stepsTable(outcome.steps)}
          <p><a href="${userPath(outcome.user)}">Back to ${outcome.user}</a></p></section>`,
      playbookNotice(outcome.steps),
    );
  });

  routes.get('/admin/alerts', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const alerts = await app.alerts.list({ limit: 200 });
    return adminPage(c, app, 'Alerts', html`<section>${alertsTable(alerts, adminCsrf(c, app))}</section>`);
  });

  routes.post('/admin/alerts/:id/:verb{(?:acknowledge|resolve)}', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const status = c.req.param('verb') === 'acknowledge' ? 'acknowledged' : 'resolved';
    const outcome = await app.alerts.setStatus(c.req.param('id'), status, adminActor(c, session));
    if (!outcome.ok) return refusePage(c, 404, outcome.message);
    return c.redirect('/admin/alerts', 303);
  });

  routes.route('/', adminAuditRoutes(deps));
  routes.route('/', adminScoreRoutes(deps));
  routes.route('/', adminPolicyRoutes(deps));
  routes.route('/', adminQuarantineRoutes(deps));
  routes.route('/', adminSettingsRoutes(deps));
  routes.route('/', adminTokenRoutes(deps));
  routes.route('/', adminDirectoryRoutes(deps));
  routes.route('/', adminRemovalRoutes(deps));
  routes.route('/', adminNotificationRoutes(deps));
  return routes;
}

function inboxRulesBlock(
  rules: { ok: true; scripts: InboxRuleScript[] } | { ok: false; code: string; message: string },
): SafeHtml {
  if (!rules.ok) return html`<p class="muted" id="rules-unavailable">${rules.message}</p>`;
  if (rules.scripts.length === 0) return html`<p class="muted" id="no-rules">No inbox rules.</p>`;
  return html`<table id="rules">
    <thead><tr><th>Script</th><th>Runs</th><th>What it does</th></tr></thead>
    <tbody>${rules.scripts.map(
      (script) => html`<tr class="rule ${script.suspicious ? 'suspicious' : ''}">
        <td>${script.name}</td>
        <td>${script.active ? 'active' : script.includedByActive ? 'included' : 'no'}</td>
        <td>${script.findings.map((finding) => finding.description).join('; ') || 'nothing that forwards or files mail'}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/** What the playbook left undone, by name and why: "every step is done" only when that is true. */
function playbookNotice(steps: readonly PlaybookStep[]): AdminNotice {
  const named = (status: PlaybookStep['status'][]) =>
    steps
      .filter((step) => status.includes(step.status))
      .map((step) => `${step.step} (${step.detail})`)
      .join('; ');
  const failed = named(['failed', 'refused']);
  const skipped = named(['skipped']);
  if (!failed && !skipped) return { kind: 'ok', text: 'Every step is done.' };
  const text = [failed && `Did not complete: ${failed}.`, skipped && `Skipped: ${skipped}.`]
    .filter(Boolean)
    .join(' ');
  return { kind: failed ? 'error' : 'info', text };
}

function stepsTable(steps: readonly PlaybookStep[]): SafeHtml {
  return html`<table id="steps">
    <thead><tr><th>Step</th><th>Status</th><th>Detail</th></tr></thead>
    <tbody>${steps.map(
      (step) => html`<tr class="step" data-step="${step.step}">
        <td>${step.step}</td><td class="step-status">${step.status}</td><td>${step.detail}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}
