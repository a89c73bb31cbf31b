/** Content-Transfer-Encoding (RFC 2045 §6) and charset decoding, tolerant of broken input. */

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/** RFC 2045 §6.7: =XX escapes and soft line breaks ("=" at the end of a line, maybe after spaces). */
export function decodeQuotedPrintable(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (byte !== 0x3d) {
      out[o++] = byte;
      continue;
    }
    const high = hexValue(input[i + 1]);
    const low = hexValue(input[i + 2]);
    if (high >= 0 && low >= 0) {
      out[o++] = high * 16 + low;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (input[j] === 0x20 || input[j] === 0x09) j++;
    if (input[j] === 0x0d && input[j + 1] === 0x0a) i = j + 1;
    else if (input[j] === 0x0a) i = j;
    else if (j >= input.length) i = j;
    else out[o++] = byte; // a stray "=" is kept, as RFC 2045 §6.7 (1) suggests
  }
  return out.subarray(0, o);
}

/** Base64 (RFC 2045 §6.8); Node skips characters outside the alphabet, as the RFC asks. */
export function decodeBase64(input: Uint8Array): Buffer {
  return Buffer.from(Buffer.from(input).toString('latin1'), 'base64');
}

/** Decodes a part body by its Content-Transfer-Encoding; unknown encodings pass through as is. */
export function decodeTransfer(input: Uint8Array, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return decodeBase64(input);
    case 'quoted-printable':
      return decodeQuotedPrintable(input);
    default:
      return Buffer.from(input);
  }
}

/** Bytes to text by a MIME charset label; unknown labels fall back to UTF-8. Never throws. */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label = (charset ?? '').trim().toLowerCase() || 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
