/** The pieces of a short plain-text notification email. */
export interface PlainTextMessage {
  from: string;
  fromName: string;
  to: string;
  subject: string;
  text: string;
  date: Date;
  /** Without angle brackets: `<id>@<domain>`. */
  messageId: string;
}

/**
 * An RFC 5322 message: UTF-8 text as quoted-printable (RFC 2045 §6.7), so that it passes any relay,
 * 8BITMIME or not, and stays readable in a spool file; a non-ASCII subject as RFC 2047 encoded-words.
 * Marked Auto-Submitted (RFC 3834 §5) so that vacation responders do not answer it.
 */
export function buildPlainTextMessage(message: PlainTextMessage): Buffer {
  const headers = [
    `From: ${encodeHeaderText(message.fromName)} <${message.from}>`,
    `To: <${message.to}>`,
    `Subject: ${encodeHeaderText(message.subject)}`,
    `Date: ${message.date.toUTCString()}`,
    `Message-ID: <${message.messageId}>`,
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
  ];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${encodeQuotedPrintable(message.text)}\r\n`, 'utf8');
}

/** Printable ASCII as is; anything else as encoded-words of at most 75 characters (RFC 2047 §2). */
export function encodeHeaderText(text: string): string {
  // Line breaks in a header value would start a new header: never let them through.
  const oneLine = text.replace(/[\r\n\t]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(oneLine)) return oneLine;
  const words: string[] = [];
  let chunk = '';
  for (const char of oneLine) {
    // 45 bytes make 60 base64 characters: with "=?UTF-8?B?" and "?=", 72 in all.
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** Quoted-printable with CRLF line ends and soft breaks keeping every line within 76 characters. */
export function encodeQuotedPrintable(text: string): string {
  return text.split(/\r?\n/).map(encodeLine).join('\r\n');
}

function encodeLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  const lines: string[] = [];
  let current = '';
  bytes.forEach((byte, index) => {
    const isLast = index === bytes.length - 1;
    const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !isLast);
    const token = literal
      ? String.fromCharCode(byte)
      : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (current.length + token.length > 75) {
      lines.push(`${current}=`);
      current = '';
    }
    current += token;
  });
  lines.push(current);
  return lines.join('\r\n');
}
