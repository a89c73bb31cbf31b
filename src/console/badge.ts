import { html, type SafeHtml } from './html.js';

/** The tones a status can have; every page draws them alike (style.css, .badge). */
export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

/** A short status in a pill: the same look for MFA, sending, alert and step states on every page. */
export function badge(text: string, tone: Tone): SafeHtml {
  return html`<span class="badge ${tone}">${text}</span>`;
}
