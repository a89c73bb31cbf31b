import libmime from 'libmime';

/** Undoes quoted-printable (RFC 2045 §6.7): soft line breaks and =XX bytes, then UTF-8. */
export function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < joined.length; index++) {
    const hex = joined.slice(index + 1, index + 3);
    if (joined[index] === '=' && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else bytes.push(joined.charCodeAt(index));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The headers (unfolded, encoded-words decoded) and the decoded text of a received message. */
export function readEmail(raw: Buffer): { header(name: string): string | undefined; text: string } {
  const source = raw.toString('latin1');
  const split = source.indexOf('\r\n\r\n');
  const headerLines = source
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n');
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), libmime.decodeWords(line.slice(colon + 1).trim()));
  }
  const body = source.slice(split + 4);
  return {
    header: (name) => headers.get(name.toLowerCase()),
    text:
      headers.get('content-transfer-encoding') === 'quoted-printable' ? decodeQuotedPrintable(body) : body,
  };
}
