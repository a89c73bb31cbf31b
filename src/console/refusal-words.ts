import type { ApiErrorCode } from '../http-status/index.js';
import type { Translator } from '../i18n/index.js';
import { html, type SafeHtml } from './html.js';

/**
 * A module's refusal as a notice in the reader's language, told by its outcome code (the module's
 * `message` is English, for the CLI and the API). Every code of the one outcome table has a sentence
 * (`refusal.<code>`): the template below does not compile for a code without one, and
 * test/i18n/domain-words.test.ts checks both languages.
 */
export function refusalWords(t: Translator, refusal: { code: ApiErrorCode }): string {
  return t(`refusal.${refusal.code}`);
}

/**
 * A refusal of several values at once (a settings or policy form): the sentence by code, then which
 * fields and why. The modules word those problems in English only (one per field, from their field
 * tables), so they are marked as English for the browser and assistive tools.
 */
export function refusalWithProblems(
  t: Translator,
  refusal: { code: ApiErrorCode; message: string },
): SafeHtml {
  return html`${refusalWords(t, refusal)} <span lang="en">${refusal.message}</span>`;
}
