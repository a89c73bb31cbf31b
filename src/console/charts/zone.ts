import type { Formatter } from '../../i18n/index.js';

/**
 * Days and hours as the organization's clock shows them (the formatter's time zone), for the axes:
 * the data comes in UTC and is put into local days here, not in SQL, where a day would be UTC's.
 */
const cache = new Map<string, Intl.DateTimeFormat>();

function format(
  fmt: Pick<Formatter, 'locale' | 'timeZone'>,
  kind: string,
  options: Intl.DateTimeFormatOptions,
) {
  const key = `${fmt.locale} ${fmt.timeZone} ${kind}`;
  let known = cache.get(key);
  if (!known) {
    known = new Intl.DateTimeFormat(fmt.locale === 'en' ? 'en-GB' : fmt.locale, options);
    cache.set(key, known);
  }
  return known;
}

/** The local calendar day of a moment, "2026-12-07". */
export function dayKey(fmt: Pick<Formatter, 'locale' | 'timeZone'>, ms: number): string {
  const parts = format(fmt, 'key', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone: fmt.timeZone,
  }).formatToParts(ms);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The `count` calendar days ending with the day of `nowMs`, oldest first. */
export function lastDays(
  fmt: Pick<Formatter, 'locale' | 'timeZone'>,
  nowMs: number,
  count: number,
): string[] {
  const [year, month, day] = dayKey(fmt, nowMs).split('-').map(Number) as [number, number, number];
  // Calendar arithmetic on the date itself: stepping back 24 hours would skip a day after a DST change.
  return Array.from({ length: count }, (_, index) =>
    new Date(Date.UTC(year, month - 1, day - (count - 1 - index))).toISOString().slice(0, 10),
  );
}

/** A day key as a short label: "7 Dec" / "7 dec". */
export function shortDay(fmt: Pick<Formatter, 'locale' | 'timeZone'>, key: string): string {
  return format(fmt, 'short-day', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    Date.parse(`${key}T00:00:00Z`),
  );
}

/** A day key in full: "7 Dec 2026". */
export function longDay(fmt: Pick<Formatter, 'locale' | 'timeZone'>, key: string): string {
  return format(fmt, 'long-day', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
    Date.parse(`${key}T00:00:00Z`),
  );
}

/** The local time of a moment: "14:00". */
export function clockTime(fmt: Pick<Formatter, 'locale' | 'timeZone'>, ms: number): string {
  return format(fmt, 'time', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: fmt.timeZone,
  }).format(ms);
}

/** The local hour of a moment, 0–23. */
export function localHour(fmt: Pick<Formatter, 'locale' | 'timeZone'>, ms: number): number {
  return Number(clockTime(fmt, ms).slice(0, 2));
}
