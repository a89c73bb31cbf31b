import libmime from 'libmime';
import { decodeCharset } from './mime-transfer-decoding.js';

/** Lower-cased field name → its values, in message order. */
export type HeaderFields = ReadonlyMap<string, readonly string[]>;

export interface HeaderBlock {
  fields: HeaderFields;
  /** Lines in the block that are neither a field nor a continuation (RFC 5322 §2.2). */
  strayLines: number;
}

export interface StructuredValue {
  /** The lower-cased token before the first ';' ("multipart/mixed", "attachment"). */
  value: string;
  /** Lower-cased parameter name → decoded value (RFC 2045 §5.1, RFC 2231 continuations and charsets). */
  params: ReadonlyMap<string, string>;
}

export interface Mailbox {
  /** The decoded display name, '' when there is none. */
  name: string;
  /** Lower-cased address, '' when the entry has none. */
  address: string;
}

const MAX_FIELDS = 1000;

/** Parses a header block: unfolds continuation lines (RFC 5322 §2.2.3) and splits name: value. */
export function parseHeaderBlock(text: string): HeaderBlock {
  const fields = new Map<string, string[]>();
  let strayLines = 0;
  let count = 0;
  const lines = text.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    if (name === '' || !/^[!-9;-~]+$/.test(name)) {
      // An mbox "From " separator line may lead a message saved to disk.
      if (!(index === 0 && line.startsWith('From '))) strayLines++;
      continue;
    }
    if (++count > MAX_FIELDS) break;
    const values = fields.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    fields.set(name, values);
  }
  return { fields, strayLines };
}

export function firstField(fields: HeaderFields, name: string): string | undefined {
  return fields.get(name)?.[0];
}

/** RFC 2047 encoded-words decoded, control characters removed; never throws. */
export function decodeWords(value: string): string {
  let decoded: string;
  try {
    decoded = libmime.decodeWords(value);
  } catch {
    decoded = value;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters never belong in a header value
  return decoded.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** Splits at separator characters outside quoted strings and comments. */
function splitOutsideQuotes(value: string, separators: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let commentDepth = 0;
  let angled = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted) {
      current += c;
      if (c === '\\' && i + 1 < value.length) current += value[++i];
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(') commentDepth++;
    else if (c === ')' && commentDepth > 0) commentDepth--;
    else if (c === '<') angled = true;
    else if (c === '>') angled = false;
    else if (separators.includes(c) && commentDepth === 0 && !angled) {
      items.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item.length > 0);
}

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"'))
    return trimmed.slice(1, -1).replace(/\\(.)/g, '$1');
  return trimmed;
}

function percentDecode(value: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

interface ExtendedPiece {
  index: number;
  value: string;
  encoded: boolean;
}

/** Joins RFC 2231 §3-4 pieces: name*0*=charset'lang'%XX…, name*1*=…, name*2=literal. */
function joinExtended(pieces: ExtendedPiece[]): string {
  pieces.sort((a, b) => a.index - b.index);
  let charset = 'utf-8';
  const buffers: Buffer[] = [];
  for (const [position, piece] of pieces.entries()) {
    let text = piece.value;
    if (position === 0 && piece.encoded) {
      const prefix = /^([^']*)'[^']*'([\s\S]*)$/.exec(text);
      if (prefix) {
        charset = prefix[1] || charset;
        text = prefix[2]!;
      }
    }
    buffers.push(piece.encoded ? percentDecode(text) : Buffer.from(text, 'utf8'));
  }
  return decodeCharset(Buffer.concat(buffers), charset);
}

/** Parses Content-Type / Content-Disposition style values; never throws. */
export function parseStructuredValue(raw: string | undefined): StructuredValue {
  if (raw === undefined) return { value: '', params: new Map() };
  const [head = '', ...rest] = splitOutsideQuotes(raw, ';');
  const params = new Map<string, string>();
  const extended = new Map<string, ExtendedPiece[]>();
  for (const segment of rest) {
    const equals = segment.indexOf('=');
    if (equals <= 0) continue;
    const name = segment.slice(0, equals).trim().toLowerCase();
    const value = unquote(segment.slice(equals + 1));
    const star = /^([^*]+)\*(?:(\d{1,3})(\*)?)?$/.exec(name);
    if (star) {
      const base = star[1]!;
      const pieces = extended.get(base) ?? [];
      pieces.push({
        index: star[2] === undefined ? 0 : Number(star[2]),
        value,
        encoded: star[2] === undefined || star[3] === '*',
      });
      extended.set(base, pieces);
    } else if (!params.has(name)) {
      params.set(name, decodeWords(value));
    }
  }
  for (const [base, pieces] of extended) params.set(base, decodeWords(joinExtended(pieces)));
  return {
    value: head
      .replace(/\(.*?\)/g, '')
      .trim()
      .toLowerCase(),
    params,
  };
}

/** Parses an address-list field (From, Reply-To, To) into mailboxes; never throws. */
export function parseMailboxes(raw: string | undefined): Mailbox[] {
  if (raw === undefined) return [];
  const mailboxes: Mailbox[] = [];
  for (const entry of splitOutsideQuotes(raw, ',').slice(0, 1000)) {
    const angle = /<([^<>]*)>\s*(?:\(.*\))?\s*;?\s*$/.exec(entry);
    if (angle) {
      const address = angle[1]!.trim().toLowerCase();
      let before = entry.slice(0, angle.index);
      // "Group name: Member <a@b>" (RFC 5322 §3.4.1): the group's name is not the member's.
      if (!before.includes('"') && before.includes(':')) before = before.slice(before.lastIndexOf(':') + 1);
      mailboxes.push({ name: decodeWords(unquote(before)).trim(), address });
      continue;
    }
    const bare = /([^\s<>"(),:;@]+@[^\s<>"(),:;@]+)/.exec(entry);
    const comment = /\(([^()]*)\)/.exec(entry);
    mailboxes.push({
      name: comment ? decodeWords(comment[1]!).trim() : '',
      address: bare ? bare[1]!.toLowerCase() : '',
    });
  }
  return mailboxes;
}
