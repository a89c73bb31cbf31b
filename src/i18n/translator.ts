import type { Locale } from './locales.js';
import { catalogues, type MessageKey } from './messages/index.js';

export type MessageParams = Readonly<Record<string, string | number>>;

/** `x` for each key `x.other` whose `x.one` is a key too (distributes over the union of keys). */
type PluralBase<K> = K extends `${infer Base}.other`
  ? `${Base}.one` extends MessageKey
    ? Base
    : never
  : never;

/** The base of a plural pair: `x` when both `x.one` and `x.other` are keys. */
export type PluralKey = PluralBase<MessageKey>;

export interface Translator {
  readonly locale: Locale;
  /** The message for `key` in this language, `{name}` placeholders filled from `params`. */
  (key: MessageKey, params?: MessageParams): string;
  /** The `.one` or `.other` form of `base` for `count` (also available as `{count}`). */
  plural(base: PluralKey, count: number, params?: MessageParams): string;
}

const translators = new Map<Locale, Translator>();

/** One translator per language, made once. */
export function translator(locale: Locale): Translator {
  const known = translators.get(locale);
  if (known) return known;
  const messages: Readonly<Record<string, string>> = catalogues[locale];
  const rules = new Intl.PluralRules(locale);
  const numbers = new Intl.NumberFormat(locale);
  const t = ((key: MessageKey, params?: MessageParams) =>
    fill(messages[key] ?? catalogues.en[key] ?? key, params, numbers)) as Translator;
  Object.defineProperty(t, 'locale', { value: locale });
  t.plural = (base, count, params) => {
    const form = rules.select(count) === 'one' ? 'one' : 'other';
    return t(`${base}.${form}` as MessageKey, { count, ...params });
  };
  translators.set(locale, t);
  return t;
}

/** Placeholders filled in; numbers written the language's way ("1.234" in Dutch). */
function fill(message: string, params: MessageParams | undefined, numbers: Intl.NumberFormat): string {
  if (!params) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numbers.format(value) : value;
  });
}
