import type { ApiErrorCode } from '../http-status/index.js';
import type { Message, Translator } from '../i18n/index.js';
import type { Reader } from './admin-page.js';
import { html, type SafeHtml } from './html.js';
import { messageHtml } from './message-html.js';

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
 * A refusal of several values at once (a settings or policy form), for every reader: the sentence of
 * its outcome code, then which fields and why, one problem after the other, in the reader's language
 * (the field's name, its bounds and the value typed stay data, marked translate="no"). A refusal the
 * module gave without problems gets its sentence, and its English words only for an English reader.
 */
export function refusalWithProblems(
  reader: Pick<Reader, 't' | 'fmt'>,
  refusal: { code: ApiErrorCode; message: string; problemMessages?: readonly Message[] },
): SafeHtml {
  const sentence = reader.t(`refusal.${refusal.code}`);
  const problems = refusal.problemMessages ?? [];
  if (problems.length === 0) return html`${refusalWords(reader.t, refusal)}`;
  return html`${sentence} ${problems.map((problem, index) => html`${index === 0 ? '' : '; '}${messageHtml(reader, problem)}`)}`;
}
