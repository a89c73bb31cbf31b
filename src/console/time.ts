import { html, type SafeHtml } from './html.js';

/** How the pages write a moment: day, short month, year and minutes, with the time zone named. */
const MOMENT = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});
const DAY = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/**
 * A stored timestamp as people read it ("7 Dec 2026, 16:41 UTC"), the exact ISO value in the
 * element's datetime and title (hover shows it); never wraps (style.css). Text that is not a date
 * is shown as it is.
 */
export function when(iso: string, precision: 'minute' | 'day' = 'minute'): SafeHtml {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return html`${iso}`;
  const text = (precision === 'day' ? DAY : MOMENT).format(ms);
  return html`<time datetime="${iso}" title="${iso}">${text}</time>`;
}
