import { type Formatter, type Translator, translator } from '../i18n/index.js';
import { isSignInLogReason, type SignInEntry } from '../identity/index.js';
import type { ConsoleDeps } from './console-deps.js';
import { html, type SafeHtml } from './html.js';
import { ago, when } from './time.js';

/** The user's recent sign-ins on every protocol, newest first (the sign-in log, not the audit log). */
export function recentSignIns(
  deps: Pick<ConsoleDeps, 'identity'>,
  user: { id: string },
  limit = 50,
): Promise<SignInEntry[]> {
  return deps.identity.listSignIns({ userId: user.id, limit });
}

/**
 * Sign-ins as a table: when (relative for recent ones), how, from where (IP and place), the result
 * and its risk, in the reader's language. `t`, `fmt` and `now` are optional so that older callers keep
 * compiling (English, UTC, absolute times); every page should pass them.
 */
export function signInTable(
  entries: readonly SignInEntry[],
  t: Translator = translator('en'),
  fmt?: Formatter,
  now?: Date,
): SafeHtml {
  if (entries.length === 0) return html`<p class="muted">${t('account.signIns.none')}</p>`;
  const moment = (iso: string) => (fmt && now ? ago(iso, fmt, now) : when(iso, 'minute', fmt));
  const risk = (entry: SignInEntry) =>
    entry.risk.level === 'none'
      ? ''
      : ` · ${t('account.signIns.risk', {
          level: t(`account.risk.${entry.risk.level}`),
          reasons: entry.risk.reasons.map((reason) => t(`account.risk.${reason}`)).join(', '),
        })}`;
  return html`<table id="sign-ins"><thead><tr><th>${t('account.signIns.when')}</th><th>${t('account.signIns.how')}</th><th>${t('account.signIns.from')}</th><th>${t('account.signIns.result')}</th></tr></thead><tbody>
    ${entries.map(
      (
        entry,
      ) => html`<tr class="sign-in"><td>${moment(entry.at)}</td><td translate="no">${entry.protocol}${entry.credential ? ` · ${entry.credential}` : ''}</td>
        <td translate="no">${entry.clientIp ?? '-'}${entry.country ? ` (${entry.city ? `${entry.city}, ` : ''}${entry.country})` : ''}</td>
        <td>${entry.result === 'success' ? t('account.signIns.success') : t('account.signIns.failure')}${
          entry.reason && entry.result !== 'success' ? html` · ${signInReasonWords(entry.reason, t)}` : ''
        }${risk(entry)}</td></tr>`,
    )}</tbody></table>`;
}

/**
 * Why a sign-in failed, in the reader's words. A reason the list does not know (a row written before
 * it was added) is shown as its code, marked as not to be translated.
 */
export function signInReasonWords(reason: string, t: Translator): SafeHtml | string {
  return isSignInLogReason(reason)
    ? t(`account.signInReason.${reason}`)
    : html`<span translate="no">${reason}</span>`;
}
