import { type Message, messagePieces } from '../i18n/index.js';
import type { Reader } from './admin-page.js';
import { html, type SafeHtml } from './html.js';

/**
 * A message a domain module wrote (a Secure Score finding, a DNS check's detail) in the reader's
 * words: numbers, shares and moments their way. The values that are data (a domain, a DNS record, a
 * resolver's or a library's error) are written as they came and marked translate="no", as HTML marks
 * text that is not to be translated; the sentence around them is the reader's language.
 */
export function messageHtml(reader: Pick<Reader, 't' | 'fmt'>, message: Message): SafeHtml {
  return html`${messagePieces(reader.t, reader.fmt, message).map((piece) =>
    'text' in piece ? html`${piece.text}` : html`<span translate="no">${piece.data}</span>`,
  )}`;
}
