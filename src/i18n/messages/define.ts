/**
 * One area's messages in every language. English is the source; the Dutch object must have exactly
 * English's keys (the compiler refuses a missing or extra key; test/i18n checks placeholders too).
 *
 * A message may hold `{name}` placeholders, filled from the params given to `t`. A message whose key
 * ends in `.one` / `.other` is a plural pair, chosen with `t.plural(base, count)` (Intl.PluralRules).
 */
export function defineMessages<const E extends Record<string, string>>(
  en: E,
  nl: { readonly [K in keyof E]: string },
): { en: E; nl: { readonly [K in keyof E]: string } } {
  return { en, nl };
}
