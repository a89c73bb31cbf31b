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

interface Phrase {
  words: readonly string[];
  key: string;
  category: string;
}

/**
 * Every category's phrases by their first word; the words of a phrase may be separated by anything
 * but letters and digits. Matching walks the text's words once and compares a phrase only where its
 * first word occurs (one Map lookup per word), instead of trying hundreds of alternatives of one big
 * regular expression at every position. Same result as that expression: at a word, the longest
 * phrase wins ("gift cards" over "gift card"), and matches do not overlap.
 */
const phrasesByFirstWord = new Map<string, Phrase[]>();
const seenPhrases = new Set<string>();
for (const [category, phrases] of Object.entries(SPAM_PHRASES))
  for (const phrase of phrases) {
    const words = normalizeForPhrases(phrase).match(PHRASE_WORDS) ?? [];
    const key = words.join(' ');
    if (words.length === 0 || seenPhrases.has(key)) continue;
    seenPhrases.add(key);
    const first = words[0]!;
    const list = phrasesByFirstWord.get(first) ?? [];
    list.push({ words, key, category });
    phrasesByFirstWord.set(first, list);
  }
for (const list of phrasesByFirstWord.values())
  list.sort((a, b) => b.key.length - a.key.length || b.words.length - a.words.length);

function phraseAt(words: readonly string[], index: number): Phrase | null {
  const candidates = phrasesByFirstWord.get(words[index]!);
  if (candidates === undefined) return null;
  next: for (const candidate of candidates) {
    if (index + candidate.words.length > words.length) continue;
    for (let offset = 1; offset < candidate.words.length; offset++)
      if (words[index + offset] !== candidate.words[offset]) continue next;
    return candidate;
  }
  return null;
}

/**
 * PHISHING_PHRASE, PAYMENT_FRAUD_PHRASE, CRYPTO_SCAM_PHRASE, PRIZE_SCAM_PHRASE and URGENCY_PHRASE, on
 * the subject and the decoded text. Each category is raised at most once, however often and however
 * many of its phrases appear: repetition must not add up to a verdict.
 */
export function analyzePhrasing(input: AnalysisInput): Finding[] {
  const text = normalizeForPhrases([input.message.subject, ...input.message.texts].join('\n'));
  const words = text.match(PHRASE_WORDS) ?? [];
  const matched = new Map<string, Set<string>>();
  for (let index = 0; index < words.length; index++) {
    const phrase = phraseAt(words, index);
    if (phrase === null) continue;
    const phrases = matched.get(phrase.category) ?? new Set<string>();
    if (phrases.size < 3) phrases.add(phrase.key);
    matched.set(phrase.category, phrases);
    index += phrase.words.length - 1;
  }
  return Object.keys(SPAM_PHRASES)
    .filter((category) => matched.has(category))
    .map((category) => ({
      name: category,
      detail: [...matched.get(category)!].map((phrase) => `"${phrase}"`).join(', '),
    }));
}
