import libmime from 'libmime';

export interface MessageSummary {
  subject: string | null;
  messageId: string | null;
  /** Address in the From header, lower-cased, when it has one. */
  fromHeader: string | null;
}

/** Headers are searched only this far: a message whose header block is longer is summarised from its start. */
const MAX_HEADER_BYTES = 256 * 1024;
const MAX_SUBJECT_LENGTH = 998; // RFC 5322 §2.1.1 line length

/**
 * Reads Subject, Message-ID and From from the header block (RFC 5322 §2.2: header fields up to the
 * first empty line, continuation lines folded). Nothing here throws on malformed input.
 */
export function summarizeMessage(raw: Buffer): MessageSummary {
  const limit = Math.min(raw.length, MAX_HEADER_BYTES);
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0 || end > limit) end = raw.indexOf('\n\n');
  if (end < 0 || end > limit) end = limit;
  const block = raw.subarray(0, end).toString('utf8');
  const fields = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
  }
  return {
    subject: decodeSubject(fields.get('subject')),
    messageId: fields.get('message-id')?.match(/<[^<>\s]{1,990}>/)?.[0] ?? null,
    fromHeader: extractAddress(fields.get('from')),
  };
}

function decodeSubject(value: string | undefined): string | null {
  if (value === undefined) return null;
  let decoded = value;
  // Only a value with an encoded word (RFC 2047 "=?charset?B|Q?…?=") needs decoding.
  if (value.includes('=?'))
    try {
      decoded = libmime.decodeWords(value);
    } catch {
      decoded = value;
    }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters never belong in a subject
  return decoded.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_SUBJECT_LENGTH);
}

function extractAddress(value: string | undefined): string | null {
  if (!value) return null;
  const bracketed = /<([^<>\s@]+@[^<>\s@]+)>/.exec(value);
  const bare = /([^\s<>"(),:;@]+@[^\s<>"(),:;@]+)/.exec(value);
  return (bracketed?.[1] ?? bare?.[1] ?? null)?.toLowerCase() ?? null;
}
