import { type HtmlAnchor, readHtml } from './html-content.js';
import {
  decodeWords,
  firstField,
  type HeaderFields,
  parseHeaderBlock,
  parseStructuredValue,
} from './mime-header-fields.js';
import { decodeCharset, decodeTransfer } from './mime-transfer-decoding.js';

/**
 * At most this much decoded text (text/plain and text/html bodies together) is read. The analysis
 * runs on the event loop that serves every other SMTP session, so it must stay short whatever the
 * message: 512 KiB (about 150 pages of prose, far beyond any personal message's words) keeps the
 * worst crafted text under ~25 ms on a 2-core VM (2 MiB took 60–120 ms before). The rest of a bigger
 * body is relayed unread, and ANALYSIS_LIMIT_REACHED is recorded with the verdict.
 */
export const MAX_TEXT_BYTES = 512 * 1024;
/** At most this many links are collected and looked at. */
export const MAX_LINKS = 500;
/** Of each attachment, only this much is decoded: enough for its type and an archive's first names. */
export const ATTACHMENT_HEAD_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 256 * 1024;
/** At most this many MIME parts are walked. */
export const MAX_PARTS = 500;
const MAX_DEPTH = 12;

export interface MessageAttachment {
  filename: string | null;
  /** Lower-cased media type, e.g. "application/pdf". */
  contentType: string;
  /** The first ATTACHMENT_HEAD_BYTES of the decoded content. */
  head: Buffer;
}

/** What a recipient would see of a message, read without trusting its structure. */
export interface ParsedMessage {
  headers: HeaderFields;
  subject: string;
  /** Decoded text bodies, HTML reduced to its visible text; MAX_TEXT_BYTES in all. */
  texts: string[];
  anchors: HtmlAnchor[];
  attachments: MessageAttachment[];
  /** Ways the structure is broken (missing boundary, unclosed multipart …). */
  problems: string[];
  /** Bounds that cut the reading short. */
  limitsReached: string[];
}

interface WalkState {
  message: ParsedMessage;
  textBudget: number;
  parts: number;
}

function findBlankLine(body: Buffer): { headEnd: number; bodyStart: number } | null {
  if (body[0] === 0x0a) return { headEnd: 0, bodyStart: 1 };
  if (body[0] === 0x0d && body[1] === 0x0a) return { headEnd: 0, bodyStart: 2 };
  const searched = body.subarray(0, MAX_HEADER_BYTES);
  const crlf = searched.indexOf('\n\r\n');
  const lf = searched.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headEnd: crlf + 1, bodyStart: crlf + 3 };
  if (lf >= 0) return { headEnd: lf + 1, bodyStart: lf + 2 };
  return null;
}

function isLineStart(buffer: Buffer, index: number): boolean {
  return index === 0 || buffer[index - 1] === 0x0a;
}

/** Splits a multipart body at its delimiter lines (RFC 2046 §5.1.1). */
function splitMultipart(body: Buffer, boundary: string, problems: string[]): Buffer[] {
  const delimiter = Buffer.from('--' + boundary, 'latin1');
  const parts: Buffer[] = [];
  let partStart = -1;
  let position = 0;
  let closed = false;
  while (position < body.length) {
    const found = body.indexOf(delimiter, position);
    if (found < 0) break;
    position = found + delimiter.length;
    if (!isLineStart(body, found)) continue;
    if (partStart >= 0) {
      let end = found;
      if (body[end - 1] === 0x0a) end--;
      if (body[end - 1] === 0x0d) end--;
      parts.push(body.subarray(partStart, Math.max(partStart, end)));
    }
    if (body[position] === 0x2d && body[position + 1] === 0x2d) {
      closed = true;
      break;
    }
    const lineEnd = body.indexOf(0x0a, position);
    partStart = lineEnd < 0 ? body.length : lineEnd + 1;
  }
  if (partStart < 0) {
    problems.push(`multipart body has no "--${boundary}" delimiter`);
    return [];
  }
  if (!closed) {
    problems.push('multipart is not closed (truncated message?)');
    parts.push(body.subarray(partStart));
  }
  return parts;
}

function readText(state: WalkState, body: Buffer, encoding: string, charset: string | undefined): string {
  if (state.textBudget <= 0) {
    if (!state.message.limitsReached.includes('text')) state.message.limitsReached.push('text');
    return '';
  }
  // Encoded text is at most about twice its decoded size (base64 4:3 plus line breaks).
  const cut = body.subarray(0, state.textBudget * 2 + 1024);
  let bytes = decodeTransfer(cut, encoding);
  if (bytes.length > state.textBudget || cut.length < body.length) {
    bytes = bytes.subarray(0, state.textBudget);
    state.message.limitsReached.push('text');
  }
  state.textBudget -= bytes.length;
  return decodeCharset(bytes, charset);
}

/**
 * `attached` is true inside an attached message (message/rfc822): someone else's mail, typically a
 * suspicious message forwarded to the helpdesk. Its text and links are not this sender's words and
 * are not read; its attachments are, since an executable inside is still an executable.
 */
function walkEntity(
  state: WalkState,
  entity: Buffer,
  depth: number,
  defaultType: string,
  attached: boolean,
): void {
  const { message } = state;
  if (++state.parts > MAX_PARTS) {
    if (!message.limitsReached.includes('parts')) message.limitsReached.push('parts');
    return;
  }
  const split = findBlankLine(entity);
  const headText = entity.subarray(0, split ? split.headEnd : Math.min(entity.length, MAX_HEADER_BYTES));
  const body = split ? entity.subarray(split.bodyStart) : Buffer.alloc(0);
  const block = parseHeaderBlock(headText.toString('utf8'));
  if (block.strayLines > 0)
    message.problems.push(`${block.strayLines} header line(s) that are not fields at depth ${depth}`);
  if (depth === 0) {
    message.headers = block.fields;
    message.subject = decodeWords(firstField(block.fields, 'subject') ?? '').trim();
  }
  const contentType = parseStructuredValue(firstField(block.fields, 'content-type'));
  const type = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(contentType.value)
    ? contentType.value
    : defaultType;
  const encoding = firstField(block.fields, 'content-transfer-encoding') ?? '7bit';
  const disposition = parseStructuredValue(firstField(block.fields, 'content-disposition'));
  const filename = disposition.params.get('filename') || contentType.params.get('name') || null;

  if (type.startsWith('multipart/')) {
    const boundary = contentType.params.get('boundary');
    if (depth >= MAX_DEPTH) {
      message.problems.push(`multipart nested deeper than ${MAX_DEPTH} levels`);
      return;
    }
    if (!boundary) {
      message.problems.push(`${type} without a boundary`);
      if (!attached) message.texts.push(readText(state, body, encoding, undefined));
      return;
    }
    const childType = type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    const parts = splitMultipart(body, boundary, message.problems);
    // Without delimiters the body is still what a reader would see: read it as text.
    if (parts.length === 0 && !attached) message.texts.push(readText(state, body, encoding, undefined));
    for (const part of parts) {
      walkEntity(state, part, depth + 1, childType, attached);
      if (state.parts > MAX_PARTS) break;
    }
    return;
  }
  if ((type === 'message/rfc822' || type === 'message/global') && depth < MAX_DEPTH) {
    if (filename !== null) message.attachments.push({ filename, contentType: type, head: Buffer.alloc(0) });
    walkEntity(state, decodeTransfer(body, encoding), depth + 1, 'text/plain', true);
    return;
  }
  const isBodyText =
    (type === 'text/plain' || type === 'text/html') &&
    disposition.value !== 'attachment' &&
    (filename === null || disposition.value === 'inline');
  if (!isBodyText) {
    const head = decodeTransfer(body.subarray(0, ATTACHMENT_HEAD_BYTES * 2), encoding).subarray(
      0,
      ATTACHMENT_HEAD_BYTES,
    );
    message.attachments.push({ filename, contentType: type, head });
    return;
  }
  if (attached) return;
  const text = readText(state, body, encoding, contentType.params.get('charset'));
  if (type === 'text/plain') {
    message.texts.push(text);
    return;
  }
  // Twice MAX_LINKS in all: the links analyser drops duplicates before it applies its own bound.
  const html = readHtml(text, Math.max(0, MAX_LINKS * 2 - message.anchors.length));
  message.texts.push(html.text);
  message.anchors.push(...html.anchors);
}

/** Walks the MIME structure of a raw message (RFC 2045, 2046, 2047, 2231). Never throws. */
export function parseMessage(raw: Buffer): ParsedMessage {
  const message: ParsedMessage = {
    headers: new Map(),
    subject: '',
    texts: [],
    anchors: [],
    attachments: [],
    problems: [],
    limitsReached: [],
  };
  const state: WalkState = { message, textBudget: MAX_TEXT_BYTES, parts: 0 };
  try {
    walkEntity(state, raw, 0, 'text/plain', false);
  } catch (error) {
    // Defence in depth: nothing above should throw, but a verdict must never depend on it.
    message.problems.push(`unreadable structure (${error instanceof Error ? error.message : 'unknown'})`);
  }
  message.limitsReached = [...new Set(message.limitsReached)];
  return message;
}
