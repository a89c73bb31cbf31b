import { createHash, timingSafeEqual } from 'node:crypto';
import { verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { importedSchemeOf } from './legacy-hashes.js';

/**
 * Verifies a password against a hash brought over from another mail server, stored as Dovecot's
 * `{SCHEME}hash`, natively (no doveadm): bcrypt through bcryptjs, argon2 through @node-rs/argon2,
 * SHA-crypt ($5$/$6$) per Ulrich Drepper's specification and MD5-crypt ($1$) per FreeBSD's, both on
 * node:crypto, the salted SHA schemes and PLAIN with constant-time comparison. An unknown scheme or
 * a malformed hash verifies nothing. The password is compared as its UTF-8 bytes, unnormalized, as
 * the source hashed it.
 *
 * Work factors are bounded so that one imported hash cannot hold a sign-in for minutes: SHA-crypt
 * up to 1,000,000 rounds, bcrypt up to cost 15, argon2 up to 256 MiB and 16 passes. A hash beyond
 * them verifies nothing (the admin resets that account's password).
 */
export async function verifyImportedHash(stored: string, password: string): Promise<boolean> {
  const scheme = importedSchemeOf(stored);
  if (scheme === null) return false;
  const hash = stored.slice(stored.indexOf('}') + 1);
  const secret = Buffer.from(password, 'utf8');
  try {
    switch (scheme) {
      case 'PLAIN':
        return sameBytes(digest('sha256', [secret]), digest('sha256', [Buffer.from(hash, 'utf8')]));
      case 'SSHA':
        return verifySaltedSha('sha1', 20, hash, secret);
      case 'SSHA256':
        return verifySaltedSha('sha256', 32, hash, secret);
      case 'SSHA512':
        return verifySaltedSha('sha512', 64, hash, secret);
      case 'MD5-CRYPT':
        return sameText(md5Crypt(secret, hash), hash);
      case 'SHA256-CRYPT':
      case 'SHA512-CRYPT': {
        const computed = await shaCrypt(scheme === 'SHA512-CRYPT' ? 'sha512' : 'sha256', secret, hash);
        return computed !== null && sameText(computed, hash);
      }
      case 'BLF-CRYPT': {
        const parsed = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(hash);
        if (!parsed || Number(parsed[1]) > 15) return false;
        // $2y$ (PHP, Dovecot) and $2b$ are the same algorithm; bcryptjs computes both as $2b$.
        return await bcrypt.compare(password, `$2b$${hash.slice(4)}`);
      }
      case 'ARGON2ID':
      case 'ARGON2I': {
        const params = /^\$argon2(?:id|i)\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash);
        if (!params || Number(params[1]) > 262_144 || Number(params[2]) > 16 || Number(params[3]) > 16)
          return false;
        return await argon2Verify(hash, password);
      }
    }
  } catch {
    return false;
  }
}

function digest(algorithm: string, parts: readonly Buffer[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Equal strings, compared in constant time over their SHA-256 (lengths may differ). */
function sameText(a: string, b: string): boolean {
  return sameBytes(digest('sha256', [Buffer.from(a, 'utf8')]), digest('sha256', [Buffer.from(b, 'utf8')]));
}

/** {SSHA*}: base64 of the digest of password‖salt, followed by the salt. */
function verifySaltedSha(algorithm: string, length: number, encoded: string, secret: Buffer): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return false;
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length <= length) return false;
  const salt = raw.subarray(length);
  return sameBytes(digest(algorithm, [secret, salt]), raw.subarray(0, length));
}

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** crypt(3)'s base64: 24 bits, least significant 6 first, `count` characters. */
function crypt64(b2: number, b1: number, b0: number, count: number): string {
  let word = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < count; i++) {
    out += CRYPT_ALPHABET[word & 0x3f];
    word >>>= 6;
  }
  return out;
}

/** `length` bytes of `block` repeated. */
function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length)
    block.copy(out, at, 0, Math.min(block.length, length - at));
  return out;
}

const SHA_CRYPT_DEFAULT_ROUNDS = 5000;
const SHA_CRYPT_MAX_ROUNDS = 1_000_000;
/** Rounds between yields to the event loop, so other connections are served meanwhile. */
const ROUNDS_PER_SLICE = 5000;

/**
 * SHA-crypt (https://www.akkadia.org/drepper/SHA-crypt.txt): the full `$5$`/`$6$` string for this
 * password and the salt and rounds of `setting`, or null for a malformed setting.
 */
export async function shaCrypt(
  algorithm: 'sha256' | 'sha512',
  secret: Buffer,
  setting: string,
): Promise<string | null> {
  const id = algorithm === 'sha512' ? '6' : '5';
  const parsed = new RegExp(`^\\$${id}\\$(?:rounds=(\\d+)\\$)?([^$]*)`).exec(setting);
  if (!parsed) return null;
  const roundsText = parsed[1];
  const requested = roundsText === undefined ? SHA_CRYPT_DEFAULT_ROUNDS : Number(roundsText);
  if (requested > SHA_CRYPT_MAX_ROUNDS) return null;
  const rounds = Math.max(1000, requested);
  const salt = Buffer.from((parsed[2] ?? '').slice(0, 16), 'utf8');

  const b = digest(algorithm, [secret, salt, secret]);
  const a = createHash(algorithm);
  a.update(secret);
  a.update(salt);
  a.update(repeatTo(b, secret.length));
  for (let bits = secret.length; bits > 0; bits >>= 1) a.update(bits & 1 ? b : secret);
  let c = a.digest();
  const p = repeatTo(digest(algorithm, Array(secret.length).fill(secret)), secret.length);
  const s = repeatTo(digest(algorithm, Array(16 + (c[0] ?? 0)).fill(salt)), salt.length);
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && round % ROUNDS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    const h = createHash(algorithm);
    h.update(round & 1 ? p : c);
    if (round % 3 !== 0) h.update(s);
    if (round % 7 !== 0) h.update(p);
    h.update(round & 1 ? c : p);
    c = h.digest();
  }
  const byte = (index: number) => c[index] ?? 0;
  let encoded = '';
  if (algorithm === 'sha512') {
    for (let k = 0; k < 21; k++) {
      const first = (22 * k) % 63;
      encoded += crypt64(byte(first), byte((first + 21) % 63), byte((first + 42) % 63), 4);
    }
    encoded += crypt64(0, 0, byte(63), 2);
  } else {
    for (let k = 0; k < 10; k++) {
      const first = (21 * k) % 30;
      encoded += crypt64(byte(first), byte((first + 10) % 30), byte((first + 20) % 30), 4);
    }
    encoded += crypt64(0, byte(31), byte(30), 3);
  }
  const roundsPart = roundsText === undefined ? '' : `rounds=${rounds}$`;
  return `$${id}$${roundsPart}${salt.toString('utf8')}$${encoded}`;
}

/** MD5-crypt (`$1$`, Poul-Henning Kamp's FreeBSD scheme): the full string for this password and salt. */
export function md5Crypt(secret: Buffer, setting: string): string {
  const parsed = /^\$1\$([^$]*)/.exec(setting);
  const salt = Buffer.from((parsed?.[1] ?? '').slice(0, 8), 'utf8');
  const magic = Buffer.from('$1$');
  const alternate = digest('md5', [secret, salt, secret]);
  const context = createHash('md5');
  context.update(secret);
  context.update(magic);
  context.update(salt);
  context.update(repeatTo(alternate, secret.length));
  const zero = Buffer.alloc(1);
  const first = secret.subarray(0, 1);
  for (let bits = secret.length; bits > 0; bits >>= 1) context.update(bits & 1 ? zero : first);
  let final = context.digest();
  for (let round = 0; round < 1000; round++) {
    const h = createHash('md5');
    h.update(round & 1 ? secret : final);
    if (round % 3 !== 0) h.update(salt);
    if (round % 7 !== 0) h.update(secret);
    h.update(round & 1 ? final : secret);
    final = h.digest();
  }
  const byte = (index: number) => final[index] ?? 0;
  const encoded =
    crypt64(byte(0), byte(6), byte(12), 4) +
    crypt64(byte(1), byte(7), byte(13), 4) +
    crypt64(byte(2), byte(8), byte(14), 4) +
    crypt64(byte(3), byte(9), byte(15), 4) +
    crypt64(byte(4), byte(10), byte(5), 4) +
    crypt64(0, 0, byte(11), 2);
  return `$1$${salt.toString('utf8')}$${encoded}`;
}
