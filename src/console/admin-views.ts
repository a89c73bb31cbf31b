import type { Alert } from '../alerts/index.js';
import type { User } from '../directory/index.js';
import type { MessageKey, Phrase, Translator } from '../i18n/index.js';
import type { MailPasswordState, SignInEntry } from '../identity/index.js';
import type { Restriction } from '../outbound/index.js';
import type { InboxRuleScript, PlaybookStep } from '../respond/index.js';
import { type AdminNotice, at, type Reader } from './admin-page.js';
import { badge, type Tone } from './badge.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { signInTable } from './sign-in-log.js';

/** Words for a restriction's reason, as the admin reads them. */
const REASONS: Record<Restriction['reason'], MessageKey> = {
  'hourly-external-limit': 'admin.reason.hourlyExternal',
  'hourly-internal-limit': 'admin.reason.hourlyInternal',
  'daily-limit': 'admin.reason.daily',
  'spam-verdicts': 'admin.reason.spam',
};

/** A restriction's reason and the policy that set it, in the reader's words. */
export function reasonWords(t: Translator, restriction: Pick<Restriction, 'reason' | 'policyName'>): string {
  return t('admin.reason.withPolicy', {
    reason: t(REASONS[restriction.reason]),
    policy: restriction.policyName,
  });
}

const SEVERITY_WORDS: Record<Alert['severity'], MessageKey> = {
  high: 'admin.severity.high',
  medium: 'admin.severity.medium',
  low: 'admin.severity.low',
  informational: 'admin.severity.informational',
};

const ALERT_STATUS_WORDS: Record<Alert['status'], MessageKey> = {
  new: 'admin.alertStatus.new',
  acknowledged: 'admin.alertStatus.acknowledged',
  resolved: 'admin.alertStatus.resolved',
};

/** Alert titles by type: the alerts module keeps the English one; the page shows the reader's. */
const ALERT_TITLES: Record<Alert['type'], MessageKey> = {
  'user-restricted': 'admin.alertType.user-restricted',
  'sending-limit-exceeded': 'admin.alertType.sending-limit-exceeded',
  'suspicious-sending': 'admin.alertType.suspicious-sending',
  'audit-record-unwritten': 'admin.alertType.audit-record-unwritten',
  'unknown-sender': 'admin.alertType.unknown-sender',
  'suspicious-sign-in': 'admin.alertType.suspicious-sign-in',
  'external-forwarding-rule': 'admin.alertType.external-forwarding-rule',
  'suspicious-inbox-rule': 'admin.alertType.suspicious-inbox-rule',
  'audit-log-cut': 'admin.alertType.audit-log-cut',
};

export function alertTitle(t: Translator, alert: Pick<Alert, 'type' | 'title'>): string {
  const key = ALERT_TITLES[alert.type];
  return key ? t(key) : alert.title;
}

const MFA_WORDS: Record<string, MessageKey> = {
  disabled: 'admin.mfa.disabled',
  enabled: 'admin.mfa.enabled',
  enforced: 'admin.mfa.enforced',
};

/** A user's MFA state ('disabled' | 'enabled' | 'enforced') in words; null: it could not be read. */
export function mfaWords(t: Translator, state: string | null): string {
  const key = state === null ? undefined : MFA_WORDS[state];
  return key ? t(key) : state === null ? t('admin.mfa.unknown') : state;
}

const STEP_WORDS: Record<PlaybookStep['step'], MessageKey> = {
  'reset-password': 'admin.step.reset-password',
  'require-mfa': 'admin.step.require-mfa',
  'revoke-api-tokens': 'admin.step.revoke-api-tokens',
  'disable-inbox-rules': 'admin.step.disable-inbox-rules',
  'end-mail-sessions': 'admin.step.end-mail-sessions',
  release: 'admin.step.release',
};

const STEP_STATUS_WORDS: Record<PlaybookStep['status'], MessageKey> = {
  done: 'admin.stepStatus.done',
  unchanged: 'admin.stepStatus.unchanged',
  skipped: 'admin.stepStatus.skipped',
  failed: 'admin.stepStatus.failed',
  refused: 'admin.stepStatus.refused',
};

const SEVERITY_TONES: Record<string, Tone> = {
  high: 'bad',
  medium: 'warn',
  low: 'neutral',
  informational: 'neutral',
};

export const userPath = (address: string) => `/admin/users/${encodeURIComponent(address)}`;

export function restrictedTable(restricted: readonly Restriction[], r: Reader): SafeHtml {
  const { t } = r;
  return restricted.length === 0
    ? html`<p class="muted" id="no-restricted">${t('admin.restricted.none')}</p>`
    : html`<table id="restricted">
          <thead><tr><th>${t('admin.col.mailbox')}</th><th>${t('admin.col.since')}</th><th>${t('admin.col.why')}</th><th>${t('admin.col.until')}</th></tr></thead>
          <tbody>${restricted.map(
            (restriction) => html`<tr class="restricted-sender">
              <td><a href="${userPath(restriction.mailbox)}">${restriction.mailbox}</a></td>
              <td>${at(r, restriction.since)}</td>
              <td>${reasonWords(t, restriction)}</td>
              <td>${restriction.until ? at(r, restriction.until) : t('admin.restricted.untilReleased')}</td>
            </tr>`,
          )}</tbody>
        </table>`;
}

export function alertsTable(alerts: readonly Alert[], csrf: string, r: Reader): SafeHtml {
  const { t } = r;
  return alerts.length === 0
    ? html`<p class="muted" id="no-alerts">${t('admin.alerts.none')}</p>`
    : html`<table id="alerts">
          <thead><tr><th>${t('admin.col.severity')}</th><th>${t('admin.col.alert')}</th><th>${t('admin.col.mailbox')}</th><th>${t('admin.col.last')}</th><th>${t('admin.col.count')}</th><th>${t('admin.col.status')}</th><th><span class="visually-hidden">${t('admin.col.actions')}</span></th></tr></thead>
          <tbody>${alerts.map(
            (alert) => html`<tr class="alert" data-id="${alert.id}" data-type="${alert.type}">
              <td class="severity-${alert.severity}">${badge(t(SEVERITY_WORDS[alert.severity]), SEVERITY_TONES[alert.severity] ?? 'neutral')}</td>
              <td><a href="/admin/alerts/${alert.id}">${alertTitle(t, alert)}</a></td>
              <td>${alert.mailbox ? html`<a href="${userPath(alert.mailbox)}">${alert.mailbox}</a>` : '—'}</td>
              <td>${at(r, alert.lastAt, 'relative')}</td>
              <td>${r.fmt.number(alert.count)}</td>
              <td class="alert-status">${badge(t(ALERT_STATUS_WORDS[alert.status]), alert.status === 'new' ? 'warn' : alert.status === 'resolved' ? 'ok' : 'neutral')}</td>
              <td>${alertActions(alert, csrf, t)}</td>
            </tr>`,
          )}</tbody>
        </table>`;
}

/**
 * One alert: what, who, when, and its evidence as labelled lines in the reader's words (the same
 * lines as the alert email), moments in the organization's time zone.
 */
export function alertView(
  alert: Alert,
  evidence: ReadonlyArray<readonly [string, string]>,
  csrf: string,
  r: Reader,
): SafeHtml {
  const { t } = r;
  return html`<section><table id="alert">
      <tbody>
        <tr><th>${t('admin.col.severity')}</th><td>${badge(t(SEVERITY_WORDS[alert.severity]), SEVERITY_TONES[alert.severity] ?? 'neutral')}</td></tr>
        <tr><th>${t('admin.col.mailbox')}</th><td>${alert.mailbox ? html`<a href="${userPath(alert.mailbox)}">${alert.mailbox}</a>` : '—'}</td></tr>
        <tr><th>${t('admin.alert.first')}</th><td>${at(r, alert.firstAt)}</td></tr>
        <tr><th>${t('admin.col.last')}</th><td>${at(r, alert.lastAt)}</td></tr>
        <tr><th>${t('admin.col.count')}</th><td>${r.fmt.number(alert.count)}</td></tr>
        <tr><th>${t('admin.col.status')}</th><td class="alert-status">${badge(t(ALERT_STATUS_WORDS[alert.status]), alert.status === 'new' ? 'warn' : alert.status === 'resolved' ? 'ok' : 'neutral')} ${alertActions(alert, csrf, t)}</td></tr>
      </tbody></table></section>
    <section><h2>${t('admin.alert.evidence')}</h2>${
      evidence.length === 0
        ? html`<p class="muted">${t('admin.alert.noEvidence')}</p>`
        : html`<table id="evidence"><tbody>${evidence.map(
            ([label, value]) =>
              html`<tr><th>${label}</th><td>${value.split('\n').map((line, index) => html`${index > 0 ? html`<br>` : ''}${line.trim()}`)}</td></tr>`,
          )}</tbody></table>`
    }
      <p><a href="/admin/alerts">${t('admin.alert.all')}</a></p></section>`;
}

/** Acknowledge while new, resolve until resolved. */
function alertActions(alert: Alert, csrf: string, t: Translator): SafeHtml[] {
  return (['acknowledge', 'resolve'] as const)
    .filter((verb) => !(verb === 'acknowledge' && alert.status !== 'new') && alert.status !== 'resolved')
    .map(
      (verb) =>
        html`<form method="post" action="/admin/alerts/${alert.id}/${verb}" class="inline">${csrfField(csrf)}<button type="submit" class="${verb}">${verb === 'acknowledge' ? t('admin.alerts.acknowledge') : t('admin.alerts.resolve')}</button></form>`,
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
export function userView(facts: UserFacts, csrf: string, r: Reader): SafeHtml {
  const { user, active } = facts;
  const { t } = r;
  return html`${restrictionBlock(user, active, r)}
      ${facts.charts?.sending ?? ''}
      <section id="secured"><h2>${t('admin.user.securedHeading')}</h2>
        <ul>
          <li class="${facts.passwordChanged || !active ? 'ok' : 'missing'}">${t('admin.user.passwordChangedSince')} <strong id="check-password">${active ? (facts.passwordChanged ? t('admin.yes') : t('admin.no')) : '—'}</strong></li>
          <li class="${facts.mfaOn ? 'ok' : 'missing'}">${t('admin.user.mfa')} <strong id="check-mfa">${mfaWords(t, facts.mfaState)}</strong></li>
        </ul>
      </section>
      <section id="recent-sign-ins"><h2>${t('admin.user.recentSignIns')}</h2>${facts.charts?.signIns ?? ''}${signInTable(facts.signIns, t, r.fmt, r.now)}
        <p><a id="mailbox-audit" href="/admin/audit?mailbox=${encodeURIComponent(user.address)}&amp;hours=720">${t('admin.user.mailboxAudit')}</a></p></section>
      <section id="inbox-rules"><h2>${t('admin.user.inboxRules')}</h2>${inboxRulesBlock(facts.rules, t)}</section>
      ${mailPasswordBlock(user, facts.mailPassword, csrf, t)}
      ${secureForm(user, active, csrf, t)}
      ${active ? releaseForm(user, csrf, t) : ''}
      ${blockForm(user, csrf, t)}
      <section id="aliases"><h2>${t('admin.user.aliases')}</h2>${
        user.aliases.length === 0
          ? html`<p class="muted">${t('admin.user.noAliases')}</p>`
          : html`<ul>${user.aliases.map(
              (alias) =>
                html`<li class="alias">${alias} <a class="remove" href="${userPath(user.address)}/aliases/${encodeURIComponent(alias)}/remove">${t('admin.remove')}</a></li>`,
            )}</ul>`
      }</section>
      <section id="delete-account"><h2>${t('admin.user.deleteHeading')}</h2>
        <p>${t('admin.user.deleteExplain')}</p>
        <p><a class="remove" id="delete-user-link" href="${userPath(user.address)}/delete">${t('admin.user.deleteLink', { address: user.address })}</a></p>
      </section>`;
}

function restrictionBlock(user: User, active: Restriction | undefined, r: Reader): SafeHtml {
  const { t } = r;
  const evidence = active?.evidence;
  if (!active || !evidence)
    return html`<section><p id="not-restricted">${t('admin.user.notRestricted', { address: user.address })}</p></section>`;
  return html`<section id="restriction"><h2>${t('admin.user.restrictedHeading')}</h2>
          <table class="facts">
            <tr><th>${t('admin.col.since')}</th><td>${at(r, active.since)}</td></tr>
            <tr><th>${t('admin.col.why')}</th><td id="restriction-reason">${reasonWords(t, active)}</td></tr>
            <tr><th>${t('admin.evidence.counts')}</th><td>${Object.entries(evidence.counts)
              .map(([key, value]) => `${key} ${typeof value === 'number' ? r.fmt.number(value) : value}`)
              .join(', ')}</td></tr>
            <tr><th>${t('admin.evidence.subjects')}</th><td id="sample-subjects" translate="no">${evidence.sampleSubjects.join(' | ') || '—'}</td></tr>
            <tr><th>${t('admin.evidence.domains')}</th><td>${evidence.recipientDomains
              .map((entry) => `${entry.domain} (${r.fmt.number(entry.recipients)})`)
              .join(', ')}</td></tr>
            <tr><th>${t('admin.evidence.ips')}</th><td>${evidence.sourceIps.join(', ') || '—'}</td></tr>
          </table></section>`;
}

/**
 * How the account's mail clients (IMAP, POP3, SMTP) sign in, where it was imported from, and the
 * button that moves it to app passwords (or lets it keep the account password again).
 */
function mailPasswordBlock(
  user: User,
  state: MailPasswordState | null,
  csrf: string,
  t: Translator,
): SafeHtml {
  if (!state)
    return html`<section id="mail-password"><h2>${t('admin.mailPassword.heading')}</h2><p class="muted">${t('admin.mailPassword.unknown')}</p></section>`;
  const accountPassword = state.mode === 'account-password';
  return html`<section id="mail-password"><h2>${t('admin.mailPassword.heading')}</h2>
        <p>${t('admin.mailPassword.signsInWith')} <strong id="mail-password-mode">${
          accountPassword ? t('admin.mailPassword.modeAccount') : t('admin.mailPassword.modeAppOnly')
        }</strong></p>
        ${state.importedFrom ? html`<p>${t('admin.mailPassword.importedFrom')} <code id="imported-from">${state.importedFrom}</code></p>` : ''}
        ${
          accountPassword
            ? html`<p>${t('admin.mailPassword.explainAccount')}</p>`
            : html`<p>${t('admin.mailPassword.explainAppOnly')}</p>`
        }
        <form method="post" action="${userPath(user.address)}/mail-password">${csrfField(csrf)}
          <input type="hidden" name="mode" value="${accountPassword ? 'app-passwords-only' : 'account-password'}">
          <button type="submit" class="${accountPassword ? 'danger' : ''}" id="${accountPassword ? 'move-to-app-passwords' : 'allow-account-password'}">${
            accountPassword ? t('admin.mailPassword.moveButton') : t('admin.mailPassword.allowButton')
          }</button>
        </form>
      </section>`;
}

function secureForm(user: User, active: Restriction | undefined, csrf: string, t: Translator): SafeHtml {
  return html`<section><h2>${t('admin.secure.heading')}</h2>
        <p>${t('admin.secure.explain')}</p>
        <form method="post" action="/admin/users/${encodeURIComponent(user.address)}/secure">${csrfField(csrf)}
          <label><input type="checkbox" name="revokeAppPasswords" checked> ${t('admin.secure.revokeAppPasswords')}</label>
          <label><input type="checkbox" name="resetMfa"> ${t('admin.secure.resetMfa')}</label>
          <label><input type="checkbox" name="disableInboxRules" checked> ${t('admin.secure.disableInboxRules')}</label>
          ${
            active
              ? html`<label><input type="checkbox" name="release" id="secure-release" checked> ${t('admin.secure.release')}</label>
                <label for="secure-reason">${t('admin.reasonAudited')}</label>
                <input type="text" id="secure-reason" name="reason" value="${t('admin.secure.defaultReason')}">`
              : ''
          }
          <button type="submit" class="danger" id="secure-account">${t('admin.secure.button')}</button>
        </form>
      </section>`;
}

function releaseForm(user: User, csrf: string, t: Translator): SafeHtml {
  return html`<section><h2>${t('admin.release.heading')}</h2>
        <form method="post" action="${userPath(user.address)}/release">${csrfField(csrf)}
          <label for="release-reason">${t('admin.reasonAudited')}</label>
          <input type="text" id="release-reason" name="reason" required minlength="3">
          <label><input type="checkbox" name="force" id="release-force"> ${t('admin.release.force')}</label>
          <button type="submit" id="release">${t('admin.release.button')}</button>
        </form></section>`;
}

function blockForm(user: User, csrf: string, t: Translator): SafeHtml {
  return html`<section id="sign-in-access"><h2>${user.disabled ? t('admin.block.blockedHeading') : t('admin.block.heading')}</h2>
        ${
          user.disabled
            ? html`<p id="user-disabled">${t('admin.block.blocked', { address: user.address })}</p>`
            : html`<p>${t('admin.block.explain')}</p>`
        }
        <form method="post" action="${userPath(user.address)}/${user.disabled ? 'enable' : 'disable'}">${csrfField(csrf)}
          <button type="submit" class="${user.disabled ? '' : 'danger'}" id="${user.disabled ? 'enable-user' : 'disable-user'}">${user.disabled ? t('admin.block.enableButton') : t('admin.block.heading')}</button>
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
  r: Reader,
): SafeHtml {
  const { t } = r;
  return html`<section><table id="users">
          <thead><tr><th>${t('admin.col.address')}</th><th>${t('admin.col.role')}</th><th>${t('admin.col.mfa')}</th><th>${t('admin.col.mailClients')}</th><th>${t('admin.col.sending')}</th><th>${t('admin.col.state')}</th><th>${t('admin.col.passwordChanged')}</th><th><span class="visually-hidden">${t('admin.col.actions')}</span></th></tr></thead>
          <tbody>${listed.rows.map(
            ({ user, mfaState, restricted, mailAccountPassword }) => html`<tr class="user">
              <td><a href="${userPath(user.address)}">${user.address}</a></td>
              <td>${user.role === 'admin' ? t('admin.role.admin') : t('admin.role.user')}</td>
              <td class="user-mfa">${badge(mfaWords(t, mfaState), mfaState === 'disabled' || mfaState === null ? 'warn' : 'ok')}</td>
              <td class="user-mail-password">${mailAccountPassword ? badge(t('admin.users.accountPassword'), 'warn') : badge(t('admin.users.appPasswords'), 'neutral')}</td>
              <td class="user-sending">${restricted ? badge(t('admin.users.restricted'), 'bad') : badge(t('admin.users.allowed'), 'neutral')}</td>
              <td class="user-state">${user.disabled ? badge(t('admin.users.disabled'), 'bad') : badge(t('admin.users.enabled'), 'ok')}</td>
              <td>${user.passwordChangedAt ? at(r, user.passwordChangedAt) : '—'}</td>
              <td><a class="remove" href="${userPath(user.address)}/delete">${t('admin.delete')}</a></td>
            </tr>`,
          )}</tbody>
        </table>
        ${listed.nextCursor ? html`<p><a id="next-page" href="/admin/users?after=${encodeURIComponent(listed.nextCursor)}">${t('admin.users.nextPage')}</a></p>` : ''}
      </section>
      <section><h2>${t('admin.users.newHeading')}</h2>
        <p>${t('admin.users.newExplain')}</p>
        <form method="post" action="/admin/users">${csrfField(csrf)}
          <label for="new-user-address">${t('admin.col.address')}</label><input type="text" id="new-user-address" name="address" required>
          <label for="new-user-name">${t('admin.users.displayName')}</label><input type="text" id="new-user-name" name="name">
          <label><input type="checkbox" name="admin" id="new-user-admin"> ${t('admin.users.administrator')}</label>
          <button type="submit" id="create-user">${t('admin.create')}</button>
        </form></section>`;
}

/** The new user's temporary password, shown once. */
export function createdUserView(address: string, temporaryPassword: string, t: Translator): SafeHtml {
  return html`<section><h2>${t('admin.temporaryPassword.heading')}</h2>
        <p>${t('admin.temporaryPassword.explain', { address })}</p>
        <p><code id="temporary-password">${temporaryPassword}</code></p>
        <p><a href="${userPath(address)}">${address}</a></p></section>`;
}

/** The playbook's result: the temporary password, shown once, and each step. */
export function securedView(
  outcome: {
    user: string;
    temporaryPassword: string;
    steps: readonly PlaybookStep[];
  },
  t: Translator,
): SafeHtml {
  return html`<section><h2>${t('admin.temporaryPassword.heading')}</h2>
          <p>${t('admin.temporaryPassword.explain', { address: outcome.user })}</p>
          <p><code id="temporary-password">${outcome.temporaryPassword}</code></p>
        </section>
        <section><h2>${t('admin.steps.heading')}</h2>${stepsTable(outcome.steps, t)}
          <p><a href="${userPath(outcome.user)}">${t('admin.backTo', { name: outcome.user })}</a></p></section>`;
}

function inboxRulesBlock(rules: InboxRules, t: Translator): SafeHtml {
  if (!rules.ok)
    return html`<p class="muted" id="rules-unavailable">${
      rules.code === 'mail-server-not-configured'
        ? t('admin.rules.notConfigured')
        : rules.code === 'mail-server-unavailable'
          ? html`${t('admin.rules.unavailable')} <span lang="en">${rules.message}</span>`
          : rules.message
    }</p>`;
  if (rules.scripts.length === 0) return html`<p class="muted" id="no-rules">${t('admin.rules.none')}</p>`;
  return html`<table id="rules">
    <thead><tr><th>${t('admin.rules.script')}</th><th>${t('admin.rules.runs')}</th><th>${t('admin.rules.what')}</th></tr></thead>
    <tbody>${rules.scripts.map(
      (script) => html`<tr class="rule ${script.suspicious ? 'suspicious' : ''}">
        <td>${script.name}</td>
        <td>${script.active ? t('admin.rules.active') : script.includedByActive ? t('admin.rules.included') : t('admin.no')}</td>
        <td>${script.findings.map((finding) => said(t, finding.phrase)).join('; ') || t('admin.rules.harmless')}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/** What the playbook left undone, by name and why: "every step is done" only when that is true. */
export function playbookNotice(steps: readonly PlaybookStep[], t: Translator): AdminNotice {
  const named = (status: PlaybookStep['status'][]) =>
    steps
      .filter((step) => status.includes(step.status))
      .map((step) => `${t(STEP_WORDS[step.step])} (${stepDetail(step, t)})`)
      .join('; ');
  const failed = named(['failed', 'refused']);
  const skipped = named(['skipped']);
  if (!failed && !skipped) return { kind: 'ok', text: t('admin.steps.allDone') };
  const text = [
    failed && t('admin.steps.notCompleted', { steps: failed }),
    skipped && t('admin.steps.skipped', { steps: skipped }),
  ]
    .filter(Boolean)
    .join(' ');
  return { kind: failed ? 'error' : 'info', text };
}

/** A phrase of the domain (an inbox rule finding, a part of a step's detail) in the reader's words. */
function said(t: Translator, words: Phrase): string {
  return t(words.key, words.params);
}

/** What a playbook step did, in the reader's words: its phrases, one sentence part each. */
function stepDetail(step: PlaybookStep, t: Translator): string {
  return step.phrases.map((words) => said(t, words)).join('; ');
}

function stepsTable(steps: readonly PlaybookStep[], t: Translator): SafeHtml {
  return html`<table id="steps">
    <thead><tr><th>${t('admin.steps.step')}</th><th>${t('admin.col.status')}</th><th>${t('admin.steps.detail')}</th></tr></thead>
    <tbody>${steps.map(
      (step) => html`<tr class="step" data-step="${step.step}">
        <td>${t(STEP_WORDS[step.step])}</td><td class="step-status">${badge(t(STEP_STATUS_WORDS[step.status]), step.status === 'done' || step.status === 'unchanged' ? 'ok' : step.status === 'skipped' ? 'neutral' : 'bad')}</td><td>${stepDetail(step, t)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}
