import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 6238 §4 with the defaults every authenticator app understands: HMAC-SHA-1, 6 digits, 30 s. */
export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** RFC 6238 §5.2: accept one step either side to absorb clock drift and typing time. */
export const TOTP_WINDOW_STEPS = 1;
/** RFC 4226 §4 R6: at least 128 bits; 160 bits is the HMAC-SHA-1 block size the RFC recommends. */
export const TOTP_SECRET_BYTES = 20;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function toBase32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** RFC 4648 base32, case- and space-insensitive, padding optional; null when it is not base32. */
export function fromBase32(text: string): Buffer | null {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) return null;
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function createTotpSecret(): string {
  return toBase32(randomBytes(TOTP_SECRET_BYTES));
}

export function totpStepAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

/** RFC 4226 §5.3 HOTP over the time step (RFC 6238 §4.2), for any HMAC the RFC's vectors use. */
export function totpCode(
  key: Buffer,
  step: number,
  options: { digits?: number; algorithm?: 'sha1' | 'sha256' | 'sha512' } = {},
): string {
  const digits = options.digits ?? TOTP_DIGITS;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(options.algorithm ?? 'sha1', key)
    .update(counter)
    .digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The time step a code matches within ±1 step of now, newest first, skipping steps at or before
 * `lastUsedStep` (a code, or an older one, is accepted at most once); null when none matches.
 */
export function matchTotpStep(
  secretBase32: string,
  code: string,
  nowMs: number,
  lastUsedStep: number | null,
): number | null {
  const digits = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(digits)) return null;
  const key = fromBase32(secretBase32);
  if (!key) return null;
  const current = totpStepAt(nowMs);
  let matched: number | null = null;
  // Every candidate is computed and compared in constant time, so timing does not tell which matched.
  for (let step = current + TOTP_WINDOW_STEPS; step >= current - TOTP_WINDOW_STEPS; step--) {
    const equal = timingSafeEqual(Buffer.from(totpCode(key, step)), Buffer.from(digits));
    if (equal && matched === null && (lastUsedStep === null || step > lastUsedStep)) matched = step;
  }
  return matched;
}

/** The Key Uri Format authenticator apps read from the QR code (Google Authenticator wiki). */
export function otpauthUri(secretBase32: string, issuer: string, account: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({
    secret: secretBase32,
    issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_SECONDS),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}
