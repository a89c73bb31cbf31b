import type { Locale } from './locales.js';

/**
 * How the pages write moments and numbers for one reader: their language, the organization's time
 * zone (`org set timeZone Europe/Amsterdam`), and "3 min ago" where recent moments read better
 * relative. Unknown time zones are refused where they are set; here one falls back to UTC.
 */
export interface Formatter {
  readonly locale: Locale;
  readonly timeZone: string;
  /** "7 Dec 2026, 17:41 CET" / "7 dec 2026, 17:41 CET". Text that is no date comes back as is. */
  moment(iso: string): string;
  /** "7 Dec 2026". */
  day(iso: string): string;
  /** "3 min ago" / "3 min geleden" for the last 24 hours; otherwise the moment. */
  relative(iso: string, now: Date): string;
  number(value: number): string;
  /**
   * Every ISO 8601 moment inside a text (alert evidence, which the modules write as UTC ISO strings,
   * alone or within JSON) written as `moment` writes it; the rest of the text stays as it is.
   */
  momentsIn(text: string): string;
  /** 0.42 → "42%" / "42%". */
  percent(ratio: number): string;
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Formatter>();

/** 2026-12-07T16:41:00.123Z, 2026-12-07T17:41+01:00: a date, a time with minutes, and a zone. */
const ISO_MOMENT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;

export function formatter(locale: Locale, timeZone = 'UTC'): Formatter {
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  const cacheKey = `${locale} ${zone}`;
  const known = formatters.get(cacheKey);
  if (known) return known;
  const tag = locale === 'en' ? 'en-GB' : locale;
  const moment = new Intl.DateTimeFormat(tag, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: zone,
    timeZoneName: 'short',
  });
  const day = new Intl.DateTimeFormat(tag, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: zone,
  });
  const relative = new Intl.RelativeTimeFormat(tag, { numeric: 'auto', style: 'short' });
  const numbers = new Intl.NumberFormat(tag);
  const percents = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 0 });
  const asMs = (iso: string) => Date.parse(iso);
  const made: Formatter = {
    locale,
    timeZone: zone,
    moment: (iso) => (Number.isNaN(asMs(iso)) ? iso : moment.format(asMs(iso))),
    day: (iso) => (Number.isNaN(asMs(iso)) ? iso : day.format(asMs(iso))),
    relative(iso, now) {
      const ms = asMs(iso);
      if (Number.isNaN(ms)) return iso;
      const seconds = Math.round((ms - now.getTime()) / 1000);
      const ago = Math.abs(seconds);
      if (ago >= 86_400) return moment.format(ms);
      if (ago < 45) return relative.format(0, 'second');
      if (ago < 3_600) return relative.format(Math.round(seconds / 60), 'minute');
      return relative.format(Math.round(seconds / 3_600), 'hour');
    },
    number: (value) => numbers.format(value),
    momentsIn: (text) => text.replace(ISO_MOMENT, (iso) => made.moment(iso)),
    percent: (ratio) => percents.format(ratio),
  };
  formatters.set(cacheKey, made);
  return made;
}
