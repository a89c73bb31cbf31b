import { catalogues } from '../../src/i18n/index.js';

/**
 * What counts as English left on a Dutch page: an English catalogue message that differs from its
 * Dutch one (so a page that forgot `t(...)` shows the source text), or a common English word as a
 * whole word. Words that Dutch uses as well (app, account, e-mail), brand names and protocol names
 * are never on the word list; user data is left out of the text before it is read (see VISIBLE_TEXT).
 */

/**
 * Common English words that no Dutch sentence contains, as whole words (not "was", "been", "die",
 * "door", "is", "in", "of", "we": Dutch words too).
 */
export const ENGLISH_WORDS: readonly string[] = [
  'the',
  'and',
  'your',
  'you',
  'with',
  'this',
  'that',
  'these',
  'not',
  'are',
  'were',
  'has',
  'have',
  'will',
  'can',
  'cannot',
  'from',
  'for',
  'to',
  'which',
  'when',
  'what',
  'there',
  'yet',
  'never',
  'none',
  'ago',
  'sign',
  'signed',
  'password',
  'passwords',
  'save',
  'remove',
  'delete',
  'cancel',
  'settings',
  'please',
  'back',
  'page',
  'only',
  'users',
  'yes',
  'unknown',
  'allowed',
  'blocked',
];

interface Pattern {
  /** What the report names: the key and its English text, or the word. */
  label: string;
  pattern: RegExp;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function catalogueMessages(): Pattern[] {
  const en: Readonly<Record<string, string>> = catalogues.en;
  const nl: Readonly<Record<string, string>> = catalogues.nl;
  const dutch = Object.values(nl);
  const patterns: Pattern[] = [];
  for (const [key, english] of Object.entries(en)) {
    if (english === nl[key]) continue;
    const pieces = english.split(/\{\w+\}/);
    // Only placeholders, punctuation and short words ("{used} of {limit}": "of" is Dutch too):
    // nothing that tells English apart.
    if (!pieces.some((piece) => /\p{L}{4,}/u.test(piece))) continue;
    // The English text is part of a Dutch message too ("Secure Score"): its presence proves nothing.
    if (dutch.some((message) => message.includes(english))) continue;
    const body = pieces.map((piece) => escapeRegExp(piece)).join('.+?');
    patterns.push({
      label: `${key}: "${english}"`,
      pattern: new RegExp(`(?<!\\p{L})${body}(?!\\p{L})`, 'u'),
    });
  }
  return patterns;
}

const WORDS: Pattern[] = ENGLISH_WORDS.map((word) => ({
  label: `the English word "${word}"`,
  pattern: new RegExp(`(?<![\\p{L}\\-])${escapeRegExp(word)}(?![\\p{L}\\-])`, 'iu'),
}));

/** Each English thing found in `text`, with the line it stands in. */
export function englishIn(text: string): string[] {
  const patterns = [...catalogueMessages(), ...WORDS];
  const found: string[] = [];
  for (const line of text.split('\n')) {
    // User data that looks like words is left out: addresses and links.
    const cleaned = line.replace(/\S+@\S+/g, ' ').replace(/\b\w+:\/\/\S+/g, ' ');
    for (const { label, pattern } of patterns)
      if (pattern.test(cleaned)) found.push(`${label} in "${line.trim().slice(0, 160)}"`);
  }
  return found;
}

/**
 * Runs in the page (a string: the tests compile without the DOM's types). The text a person reads:
 * the title, the body's rendered text, and the words in attributes (placeholders, labels, tooltips,
 * button values). Left out: elements marked translate="no" (user data, names, command lines, as HTML
 * defines it), code/kbd/samp/pre, and <time>'s title (the exact ISO moment).
 */
export const VISIBLE_TEXT = `(() => {
  for (const element of document.querySelectorAll('[translate="no"], code, kbd, samp, pre, script, style'))
    element.style.display = 'none';
  const attributes = [...document.querySelectorAll('[placeholder], [aria-label], [title], [alt], input[type=submit][value], input[type=button][value]')]
    .filter((element) => !element.closest('[translate="no"], code, kbd, samp, pre'))
    .flatMap((element) => [
      element.getAttribute('placeholder'),
      element.getAttribute('aria-label'),
      element.tagName === 'TIME' ? null : element.getAttribute('title'),
      element.getAttribute('alt'),
      element.tagName === 'INPUT' ? element.getAttribute('value') : null,
    ])
    .filter((value) => value);
  return [document.title, document.body.innerText, ...attributes].join('\\n');
})()`;
