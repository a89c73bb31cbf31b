import type { App } from '../app.js';
import type { SignInEntry } from '../identity/index.js';
import { html, type SafeHtml } from './html.js';

/** The user's recent sign-ins on every protocol, newest first (the sign-in log, not the audit log). */
export function recentSignIns(app: App, user: { id: string }, limit = 50): Promise<SignInEntry[]> {
  return app.identity.listSignIns({ userId: user.id, limit });
}

/** Sign-ins as a table: when, how, from where (IP and place), the result and its risk. */
export function signInTable(entries: readonly SignInEntry[]): SafeHtml {
  if (entries.length === 0) return html`<p class="muted">No sign-ins recorded yet.</p>`;
  return html`<table id="sign-ins"><thead><tr><th>When (UTC)</th><th>How</th><th>From</th><th>Result</th></tr></thead><tbody>
    ${entries.map(
      (
        entry,
      ) => html`<tr class="sign-in"><td>${entry.at.slice(0, 19).replace('T', ' ')}</td><td>${entry.protocol}${entry.credential ? ` · ${entry.credential}` : ''}</td>
        <td>${entry.clientIp ?? '-'}${entry.country ? ` (${entry.city ? `${entry.city}, ` : ''}${entry.country})` : ''}</td>
        <td>${entry.result}${entry.reason && entry.result !== 'success' ? ` · ${entry.reason}` : ''}${entry.risk.level !== 'none' ? ` · risk ${entry.risk.level} (${entry.risk.reasons.join(', ')})` : ''}</td></tr>`,
    )}</tbody></table>`;
}
