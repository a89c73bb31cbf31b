/**
 * The languages the web pages and alert emails are written in. SMTP, IMAP and other protocol replies
 * stay English, as every mail server's do; only what a person reads is translated.
 */
export type Locale = 'en' | 'nl';

export const LOCALES: readonly Locale[] = ['en', 'nl'];
export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * The page's language: the user's own setting, then the browser's Accept-Language (by q-value, the
 * first supported primary tag: `nl-BE` reads Dutch), then the organization's default.
 */
export function chooseLocale(choice: {
  user?: Locale | null;
  acceptLanguage?: string | null;
  org?: Locale | null;
}): Locale {
  if (choice.user) return choice.user;
  const fromBrowser = choice.acceptLanguage ? preferredFromAcceptLanguage(choice.acceptLanguage) : null;
  return fromBrowser ?? choice.org ?? DEFAULT_LOCALE;
}

/** The most preferred supported language in an Accept-Language header, or null (also for `*`). */
export function preferredFromAcceptLanguage(header: string): Locale | null {
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', quality, index };
    })
    .filter((range) => range.primary && Number.isFinite(range.quality) && range.quality > 0)
    // Stable: equal q-values keep the header's order.
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const range of ranges) if (isLocale(range.primary)) return range.primary;
  return null;
}
