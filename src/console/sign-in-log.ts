import type { SignInEntry } from '../identity/index.js';
import type { ConsoleDeps } from './console-deps.js';
import { html, type SafeHtml } from './html.js';
import { when } from './time.js';

/** The user's recent sign-ins on every protocol, newest first (the sign-in log, not the audit log). */
export function recentSignIns(
  deps: Pick<ConsoleDeps, 'identity'>,
  user: { id: string },
  limit = 50,
): Promise<SignInEntry[]> {
  return deps.identity.listSignIns({ userId: user.id, limit });
}

/** Sign-ins as a table: when, how, from where (IP and place), the result and its risk. */
export function signInTable(entries: readonly SignInEntry[]): SafeHtml {
  if (entries.length === 0) return html`<p class="muted">No sign-ins recorded yet.</p>`;
  return html`<table id="sign-ins"><thead><tr><th>When</th><th>How</th><th>From</th><th>Result</th></tr></thead><tbody>
    ${entries.map(
      (
        entry,
      ) => html`<tr class="sign-in"><td>${when(entry.at)}</td><td>${entry.protocol}${entry.credential ? ` · ${entry.credential}` : ''}</td>
        <td>${entry.clientIp ?? '-'}${entry.country ? ` (${entry.city ? `${entry.city}, ` : ''}${entry.country})` : ''}</td>
        <td>${entry.result}${entry.reason && entry.result !== 'success' ? ` · ${entry.reason}` : ''}${entry.risk.level !== 'none' ? ` · risk ${entry.risk.level} (${entry.risk.reasons.join(', ')})` : ''}</td></tr>`,
    )}</tbody></table>`;
}
