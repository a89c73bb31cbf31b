import type { ApiErrorCode } from '../http-status/index.js';
import type { Translator } from '../i18n/index.js';
import { html, type SafeHtml } from './html.js';

/**
 * A module's refusal as a notice in the reader's language. The module's own `message` is English and
 * names the values (the address, the internal IP, the length a reason needs), so an English reader gets
 * it as it is; a reader of another language gets the sentence of its outcome code (`refusal.<code>`),
 * which names no values: the outcomes carry them only inside the English text. Every code of the one
 * outcome table has a sentence: the template below does not compile for a code without one, and
 * test/i18n/domain-words.test.ts checks both languages.
 */
export function refusalWords(t: Translator, refusal: { code: ApiErrorCode; message?: string }): string {
  return t.locale === 'en' && refusal.message ? refusal.message : t(`refusal.${refusal.code}`);
}

/**
 * A refusal of several values at once (a settings or policy form): for a reader of another language
 * than English, the sentence by code, then which fields and why in the module's English (one problem
 * per field, from their field tables), marked as English for the browser and assistive tools.
 */
export function refusalWithProblems(
  t: Translator,
  refusal: { code: ApiErrorCode; message: string },
): SafeHtml {
  if (t.locale === 'en') return html`${refusal.message}`;
  return html`${t(`refusal.${refusal.code}`)} <span lang="en">${refusal.message}</span>`;
}
