import type { AnalysisInput } from './analysis-input.js';
import type { Finding } from './finding.js';
import { SPAM_PHRASES } from './spam-phrases.js';

/** Invisible characters that split a word for the eye of a filter but not for the reader. */
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;
/** Cyrillic letters that look like Latin ones ("vеrify" with a Cyrillic е). */
const CONFUSABLES: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  һ: 'h',
};
const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;
const foldedCharacters = new Map<string, string>();

function foldCharacter(character: string): string {
  let folded = foldedCharacters.get(character);
  if (folded === undefined) {
    folded = CONFUSABLES[character] ?? character.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
    if (foldedCharacters.size < 10_000) foldedCharacters.set(character, folded);
  }
  return folded;
}

/**
 * Lower-case ASCII as far as it goes: accents, invisible characters and look-alike letters removed.
 * Only the non-ASCII characters are decomposed, one at a time (cached), so 2 MiB of text stays cheap.
 */
export function normalizeForPhrases(text: string): string {
  const lower = text.toLowerCase();
  if (!NON_ASCII.test(lower)) return lower;
  return lower.replace(INVISIBLE, '').replace(NON_ASCII_ALL, foldCharacter);
}

const PHRASE_WORDS = /[a-z0-9]+/g;

/** Every category's phrases in one expression; the words of a phrase may be separated by anything but letters and digits. */
const categoryOfPhrase = new Map<string, string>();
const alternatives: string[] = [];
for (const [category, phrases] of Object.entries(SPAM_PHRASES))
  for (const phrase of phrases) {
    const words = normalizeForPhrases(phrase).match(PHRASE_WORDS) ?? [];
    const key = words.join(' ');
    if (words.length === 0 || categoryOfPhrase.has(key)) continue;
    categoryOfPhrase.set(key, category);
    alternatives.push(words.join('[^a-z0-9]+'));
  }
// Longer phrases first, so "gift cards" wins over "gift card" at the same place.
alternatives.sort((a, b) => b.length - a.length);
const PHRASES = new RegExp(`(?<![a-z0-9])(?:${alternatives.join('|')})(?![a-z0-9])`, 'g');

/**
 * PHISHING_PHRASE, PAYMENT_FRAUD_PHRASE, CRYPTO_SCAM_PHRASE, PRIZE_SCAM_PHRASE and URGENCY_PHRASE, on
 * the subject and the decoded text. Each category is raised at most once, however often and however
 * many of its phrases appear: repetition must not add up to a verdict.
 */
export function analyzePhrasing(input: AnalysisInput): Finding[] {
  const text = normalizeForPhrases([input.message.subject, ...input.message.texts].join('\n'));
  const matched = new Map<string, Set<string>>();
  for (const match of text.matchAll(PHRASES)) {
    const phrase = (match[0].match(PHRASE_WORDS) ?? []).join(' ');
    const category = categoryOfPhrase.get(phrase);
    if (category === undefined) continue;
    const phrases = matched.get(category) ?? new Set<string>();
    if (phrases.size < 3) phrases.add(phrase);
    matched.set(category, phrases);
  }
  return Object.keys(SPAM_PHRASES)
    .filter((category) => matched.has(category))
    .map((category) => ({
      name: category,
      detail: [...matched.get(category)!].map((phrase) => `"${phrase}"`).join(', '),
    }));
}
