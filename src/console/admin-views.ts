import type { Alert } from '../alerts/index.js';
import type { User } from '../directory/index.js';
import type { MailPasswordState, SignInEntry } from '../identity/index.js';
import type { Restriction } from '../outbound/index.js';
import type { InboxRuleScript, PlaybookStep } from '../respond/index.js';
import type { AdminNotice } from './admin-page.js';
import { badge, type Tone } from './badge.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { signInTable } from './sign-in-log.js';
import { when } from './time.js';

/** Words for a restriction's reason, as the admin reads them. */
export const REASONS: Record<Restriction['reason'], string> = {
  'hourly-external-limit': 'external recipients per hour over the limit',
  'hourly-internal-limit': 'internal recipients per hour over the limit',
  'daily-limit': 'recipients per day over the limit',
  'spam-verdicts': 'repeated outgoing spam',
};

const SEVERITY_TONES: Record<string, Tone> = {
  high: 'bad',
  medium: 'warn',
  low: 'neutral',
  informational: 'neutral',
};

export const userPath = (address: string) => `/admin/users/${encodeURIComponent(address)}`;

export function restrictedTable(restricted: readonly Restriction[]): SafeHtml {
  return restricted.length === 0
    ? html`<p class="muted" id="no-restricted">Nobody is restricted from sending.</p>`
    : html`<table id="restricted">
          <thead><tr><th>Mailbox</th><th>Since</th><th>Why</th><th>Until</th></tr></thead>
          <tbody>${restricted.map(
            (restriction) => html`<tr class="restricted-sender">
              <td><a href="${userPath(restriction.mailbox)}">${restriction.mailbox}</a></td>
              <td>${when(restriction.since)}</td>
              <td>${REASONS[restriction.reason]} (policy ${restriction.policyName})</td>
              <td>${restriction.until ? when(restriction.until) : 'an administrator releases it'}</td>
            </tr>`,
          )}</tbody>
        </table>`;
}

export function alertsTable(alerts: readonly Alert[], csrf: string): SafeHtml {
  return alerts.length === 0
    ? html`<p class="muted" id="no-alerts">No alerts.</p>`
    : html`<table id="alerts">
          <thead><tr><th>Severity</th><th>Alert</th><th>Mailbox</th><th>Last</th><th>Count</th><th>Status</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${alerts.map(
            (alert) => html`<tr class="alert" data-id="${alert.id}">
              <td class="severity-${alert.severity}">${badge(alert.severity, SEVERITY_TONES[alert.severity] ?? 'neutral')}</td>
              <td>${alert.title}</td>
              <td>${alert.mailbox ? html`<a href="${userPath(alert.mailbox)}">${alert.mailbox}</a>` : '—'}</td>
              <td>${when(alert.lastAt)}</td>
              <td>${alert.count}</td>
              <td class="alert-status">${badge(alert.status, alert.status === 'new' ? 'warn' : alert.status === 'resolved' ? 'ok' : 'neutral')}</td>
              <td>${alertActions(alert, csrf)}</td>
            </tr>`,
          )}</tbody>
        </table>`;
}

/** Acknowledge while new, resolve until resolved. */
function alertActions(alert: Alert, csrf: string): SafeHtml[] {
  return (['acknowledge', 'resolve'] as const)
    .filter((verb) => !(verb === 'acknowledge' && alert.status !== 'new') && alert.status !== 'resolved')
    .map(
      (verb) =>
        html`<form method="post" action="/admin/alerts/${alert.id}/${verb}" class="inline">${csrfField(csrf)}<button type="submit" class="${verb}">${verb === 'acknowledge' ? 'Acknowledge' : 'Resolve'}</button></form>`,
    );
}

/** What the user page shows, read and decided before any markup. */
export interface UserFacts {
  user: User;
  /** The restriction in force, if any. */
  active: Restriction | undefined;
  passwordChanged: boolean;
  mfaState: string | null;
  mfaOn: boolean;
  rules: InboxRules;
  signIns: readonly SignInEntry[];
  /** How its mail clients sign in; null when it could not be read. */
  mailPassword: MailPasswordState | null;
  /** Sending per hour against the limit, and sign-ins by country (chart-blocks.ts). */
  charts?: { sending: SafeHtml; signIns: SafeHtml };
}

export type InboxRules =
  | { ok: true; scripts: InboxRuleScript[] }
  | { ok: false; code: string; message: string };

/** A user's restriction, why, whether the account is secured, where it signed in from, its inbox rules, and what to do. */
export function userView(facts: UserFacts, csrf: string): SafeHtml {
  const { user, active } = facts;
  return html`${restrictionBlock(user, active)}
      ${facts.charts?.sending ?? ''}
      <section id="secured"><h2>Is the account secured?</h2>
        <ul>
          <li class="${facts.passwordChanged || !active ? 'ok' : 'missing'}">Password changed since the restriction: <strong id="check-password">${active ? (facts.passwordChanged ? 'yes' : 'no') : '—'}</strong></li>
          <li class="${facts.mfaOn ? 'ok' : 'missing'}">Multi-factor authentication: <strong id="check-mfa">${facts.mfaState ?? 'unknown'}</strong></li>
        </ul>
      </section>
      <section id="recent-sign-ins"><h2>Recent sign-ins</h2>${facts.charts?.signIns ?? ''}${signInTable(facts.signIns)}
        <p><a id="mailbox-audit" href="/admin/audit?mailbox=${encodeURIComponent(user.address)}&amp;hours=720">What happened in this mailbox (audit log, 30 days)</a></p></section>
      <section id="inbox-rules"><h2>Inbox rules</h2>${inboxRulesBlock(facts.rules)}</section>
      ${mailPasswordBlock(user, facts.mailPassword, csrf)}
      ${secureForm(user, active, csrf)}
      ${active ? releaseForm(user, csrf) : ''}
      ${blockForm(user, csrf)}
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
      </section>`;
}

function restrictionBlock(user: User, active: Restriction | undefined): SafeHtml {
  const evidence = active?.evidence;
  if (!active || !evidence)
    return html`<section><p id="not-restricted">${user.address} is not restricted from sending.</p></section>`;
  return html`<section id="restriction"><h2>Restricted from sending</h2>
          <table class="facts">
            <tr><th>Since</th><td>${when(active.since)}</td></tr>
            <tr><th>Why</th><td id="restriction-reason">${REASONS[active.reason]} (policy ${active.policyName})</td></tr>
            <tr><th>Counts</th><td>${Object.entries(evidence.counts)
              .map(([key, value]) => `${key} ${value}`)
              .join(', ')}</td></tr>
            <tr><th>Sample subjects</th><td id="sample-subjects">${evidence.sampleSubjects.join(' | ') || '—'}</td></tr>
            <tr><th>Recipient domains</th><td>${evidence.recipientDomains
              .map((entry) => `${entry.domain} (${entry.recipients})`)
              .join(', ')}</td></tr>
            <tr><th>Source IPs</th><td>${evidence.sourceIps.join(', ') || '—'}</td></tr>
          </table></section>`;
}

/**
 * How the account's mail clients (IMAP, POP3, SMTP) sign in, where it was imported from, and the
 * button that moves it to app passwords (or lets it keep the account password again).
 */
function mailPasswordBlock(user: User, state: MailPasswordState | null, csrf: string): SafeHtml {
  if (!state)
    return html`<section id="mail-password"><h2>Mail clients</h2><p class="muted">Unknown.</p></section>`;
  const accountPassword = state.mode === 'account-password';
  return html`<section id="mail-password"><h2>Mail clients</h2>
        <p>Mail clients sign in with: <strong id="mail-password-mode">${
          accountPassword ? 'account password (imported; mail clients still use it)' : 'app passwords only'
        }</strong></p>
        ${state.importedFrom ? html`<p>Imported from <code id="imported-from">${state.importedFrom}</code></p>` : ''}
        ${
          accountPassword
            ? html`<p>Where the organization asks for app passwords on mail, this account is still let in with its account password so its existing mail clients keep working. Move it once the user has created app passwords for them (self-service: App passwords); each client that still sends the account password is refused from then on. A user with a second factor never uses the account password on mail either way.</p>`
            : html`<p>Mail clients use app passwords, like every account not imported.</p>`
        }
        <form method="post" action="${userPath(user.address)}/mail-password">${csrfField(csrf)}
          <input type="hidden" name="mode" value="${accountPassword ? 'app-passwords-only' : 'account-password'}">
          <button type="submit" class="${accountPassword ? 'danger' : ''}" id="${accountPassword ? 'move-to-app-passwords' : 'allow-account-password'}">${
            accountPassword ? 'Move to app passwords' : 'Let mail clients use the account password again'
          }</button>
        </form>
      </section>`;
}

function secureForm(user: User, active: Restriction | undefined, csrf: string): SafeHtml {
  return html`<section><h2>Secure this account</h2>
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
      </section>`;
}

function releaseForm(user: User, csrf: string): SafeHtml {
  return html`<section><h2>Release without the playbook</h2>
        <form method="post" action="${userPath(user.address)}/release">${csrfField(csrf)}
          <label for="release-reason">Reason (kept in the audit log)</label>
          <input type="text" id="release-reason" name="reason" required minlength="3">
          <label><input type="checkbox" name="force" id="release-force"> Release even though the account is not secured</label>
          <button type="submit" id="release">Release</button>
        </form></section>`;
}

function blockForm(user: User, csrf: string): SafeHtml {
  return html`<section id="sign-in-access"><h2>${user.disabled ? 'Blocked' : 'Block the account'}</h2>
        ${
          user.disabled
            ? html`<p id="user-disabled">${user.address} cannot sign in or send.</p>`
            : html`<p>Stops every sign-in (web and mail) and all sending until an administrator enables it again.</p>`
        }
        <form method="post" action="${userPath(user.address)}/${user.disabled ? 'enable' : 'disable'}">${csrfField(csrf)}
          <button type="submit" class="${user.disabled ? '' : 'danger'}" id="${user.disabled ? 'enable-user' : 'disable-user'}">${user.disabled ? 'Enable the account' : 'Block the account'}</button>
        </form>
      </section>`;
}

/** One row of the users list: the user and the two facts that live elsewhere (identity, outbound). */
export interface UserRow {
  user: User;
  /** 'disabled' | 'enabled' | 'enforced', or null when it could not be read. */
  mfaState: string | null;
  restricted: boolean;
  /** Its mail clients still use the account password (an imported account not moved yet). */
  mailAccountPassword: boolean;
}

/** The users list, one page of it, and the form for a new user. */
export function usersView(
  listed: { rows: readonly UserRow[]; nextCursor: string | null },
  csrf: string,
): SafeHtml {
  return html`<section><table id="users">
          <thead><tr><th>Address</th><th>Role</th><th>MFA</th><th>Mail clients</th><th>Sending</th><th>State</th><th>Password changed</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${listed.rows.map(
            ({ user, mfaState, restricted, mailAccountPassword }) => html`<tr class="user">
              <td><a href="${userPath(user.address)}">${user.address}</a></td>
              <td>${user.role}</td>
              <td class="user-mfa">${badge(mfaState ?? 'unknown', mfaState === 'disabled' || mfaState === null ? 'warn' : 'ok')}</td>
              <td class="user-mail-password">${mailAccountPassword ? badge('account password', 'warn') : badge('app passwords', 'neutral')}</td>
              <td class="user-sending">${restricted ? badge('restricted', 'bad') : badge('allowed', 'neutral')}</td>
              <td class="user-state">${user.disabled ? badge('disabled', 'bad') : badge('enabled', 'ok')}</td>
              <td>${user.passwordChangedAt ? when(user.passwordChangedAt) : '—'}</td>
              <td><a class="remove" href="${userPath(user.address)}/delete">Delete</a></td>
            </tr>`,
          )}</tbody>
        </table>
        ${listed.nextCursor ? html`<p><a id="next-page" href="/admin/users?after=${encodeURIComponent(listed.nextCursor)}">Next page</a></p>` : ''}
      </section>
      <section><h2>New user</h2>
        <p>The user gets a temporary password (shown once on the next page) to change at the first sign-in.</p>
        <form method="post" action="/admin/users">${csrfField(csrf)}
          <label for="new-user-address">Address</label><input type="text" id="new-user-address" name="address" required>
          <label for="new-user-name">Display name</label><input type="text" id="new-user-name" name="name">
          <label><input type="checkbox" name="admin" id="new-user-admin"> Administrator</label>
          <button type="submit" id="create-user">Create</button>
        </form></section>`;
}

/** The new user's temporary password, shown once. */
export function createdUserView(address: string, temporaryPassword: string): SafeHtml {
  return html`<section><h2>Temporary password</h2>
        <p>Give it to ${address} in person or by phone, never by email. It is shown only now; it works only on the web, where a new password must be chosen.</p>
        <p><code id="temporary-password">${temporaryPassword}</code></p>
        <p><a href="${userPath(address)}">${address}</a></p></section>`;
}

/** The playbook's result: the temporary password, shown once, and each step. */
export function securedView(outcome: {
  user: string;
  temporaryPassword: string;
  steps: readonly PlaybookStep[];
}): SafeHtml {
  return html`<section><h2>Temporary password</h2>
          <p>Give it to ${outcome.user} in person or by phone, never by email. It is shown only now; it works only on the web, where a new password must be chosen.</p>
          <p><code id="temporary-password">${outcome.temporaryPassword}</code></p>
        </section>
        <section><h2>Steps</h2>${stepsTable(outcome.steps)}
          <p><a href="${userPath(outcome.user)}">Back to ${outcome.user}</a></p></section>`;
}

function inboxRulesBlock(rules: InboxRules): SafeHtml {
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
export function playbookNotice(steps: readonly PlaybookStep[]): AdminNotice {
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
        <td>${step.step}</td><td class="step-status">${badge(step.status, step.status === 'done' || step.status === 'unchanged' ? 'ok' : step.status === 'skipped' ? 'neutral' : 'bad')}</td><td>${step.detail}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}
