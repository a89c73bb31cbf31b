import { type Formatter, formatter } from '../i18n/index.js';
import { html, type SafeHtml } from './html.js';

/** Pages that do not pass the request's Formatter yet write English in UTC, as before. */
const FALLBACK = formatter('en', 'UTC');

/**
 * A stored timestamp as people read it ("7 Dec 2026, 16:41 UTC"; with the request's Formatter,
 * `c.get('fmt')`, in the reader's language and the organization's time zone: "7 dec 2026, 17:41 CET"),
 * the exact ISO value in the element's datetime and title (hover shows it); never wraps (style.css).
 * Text that is not a date is shown as it is. `fmt` is last and optional so that older call sites
 * keep compiling; every page should pass it.
 */
export function when(
  iso: string,
  precision: 'minute' | 'day' = 'minute',
  fmt: Formatter = FALLBACK,
): SafeHtml {
  if (Number.isNaN(Date.parse(iso))) return html`${iso}`;
  const text = precision === 'day' ? fmt.day(iso) : fmt.moment(iso);
  return html`<time datetime="${iso}" title="${iso}">${text}</time>`;
}

/**
 * A recent moment relative to now ("3 min geleden"), older ones as `when` writes them; the exact ISO
 * value in the title. For lists where "how long ago" is the point (sign-ins, sessions, alerts).
 */
export function ago(iso: string, fmt: Formatter, now: Date): SafeHtml {
  if (Number.isNaN(Date.parse(iso))) return html`${iso}`;
  return html`<time datetime="${iso}" title="${iso}">${fmt.relative(iso, now)}</time>`;
}
