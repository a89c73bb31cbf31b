import { catalogues, type Translator } from '../i18n/index.js';
import { html, type SafeHtml } from './html.js';

/**
 * Secure Score findings ("3 of 4 users have MFA registered (75%)") in the reader's words. The score
 * module writes them in English, its source language; the admin catalogue holds each sentence it
 * writes as a pattern (`admin.finding.*`, English with `{placeholders}`) beside its Dutch. A finding
 * is read whole, else part by part (the module joins parts with "; "); a part that matches a pattern is written
 * in the reader's language with the values it held, `{part…}` values translated again; a part that
 * matches none (a new sentence, a DNS check's own detail) stays English, marked lang="en".
 */
interface FindingPattern {
  key: string;
  names: string[];
  pattern: RegExp;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const patterns: readonly FindingPattern[] = Object.entries(catalogues.en as Record<string, string>)
  .filter(([key]) => key.startsWith('admin.finding.'))
  .map(([key, english]) => {
    const names: string[] = [];
    const source = english
      .split(/(\{\w+\})/)
      .map((piece) => {
        const name = /^\{(\w+)\}$/.exec(piece)?.[1];
        if (!name) return escapeRegExp(piece);
        names.push(name);
        // A value never spans the "; " between parts; a {part…} (a sentence of its own) may.
        return name.startsWith('part') ? '(.+?)' : '((?:(?!; ).)+?)';
      })
      .join('');
    return { key, names, pattern: new RegExp(`^${source}$`, 's') };
  });

/** One part in the reader's words, or null when no pattern matches it. */
function translatePart(t: Translator, part: string): string | null {
  for (const { key, names, pattern } of patterns) {
    const match = pattern.exec(part);
    if (!match) continue;
    const params: Record<string, string> = {};
    let whole = true;
    names.forEach((name, index) => {
      const value = match[index + 1] ?? '';
      const words = name.startsWith('part') ? translatePart(t, value) : value;
      if (words === null) whole = false;
      params[name] = words ?? value;
    });
    // A part with an untranslated piece inside is no translation: the next pattern may fit better.
    if (whole) return t(key as Parameters<Translator>[0], params);
  }
  return null;
}

export function findingWords(t: Translator, finding: string): SafeHtml {
  if (t.locale === 'en') return html`${finding}`;
  // Whole first: some sentences have a "; " of their own.
  const whole = translatePart(t, finding);
  if (whole !== null) return html`${whole}`;
  const parts = finding.split('; ').map((part) => {
    const words = translatePart(t, part);
    return words === null ? html`<span lang="en">${part}</span>` : html`${words}`;
  });
  return html`${parts.map((part, index) => (index === 0 ? part : html`; ${part}`))}`;
}
