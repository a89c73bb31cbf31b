import { Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { bannedPasswordsText } from './banned-passwords.js';
import { verifyImportedHash } from './legacy-verify.js';

/**
 * NIST SP 800-63B §5.1.1.2: a length floor, a banned list of common and breached passwords, and no
 * composition rules or periodic expiry. We ask for 12 characters (the product's floor, above NIST's 8)
 * and cap at 256 so that hashing cost stays bounded.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Argon2id at OWASP's 2023 baseline (19 MiB, 2 passes, 1 lane), 16-byte salt, 32-byte output, as a
 * PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`). The binding (@node-rs/argon2) ships a
 * prebuilt binary per platform, so installing needs no compiler; it runs in libuv's thread pool, so a
 * verification never blocks the event loop that serves other connections. It verifies every PHC
 * string of the reference implementation (argon2id, argon2i, argon2d; v=16 and v=19; any parameter
 * order), which the identity tests check against fixed hashes.
 */
const ARGON2_OPTIONS = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

export type PasswordCheck = { ok: true } | { ok: false; message: string };

export interface PasswordHasher {
  /** Length and, while the org setting passwords.bannedList is on, the banned list. */
  check(password: string): Promise<PasswordCheck>;
  hash(password: string): Promise<string>;
  /** Mailwarden's argon2id, or a hash imported from another mail server (`{SCHEME}hash`). */
  verify(hash: string, password: string): Promise<boolean>;
}

let banned: Set<string> | null = null;
function bannedSet(): Set<string> {
  banned ??= new Set(bannedPasswordsText.split('\n').filter((line) => line.length > 0));
  return banned;
}

/**
 * Whether the password is on the banned list, also when it is a banned one with digits or symbols
 * around it ("Password1234!"), or one short piece (or a banned one) repeated ("abcabcabcabc").
 */
export function isBannedPassword(password: string): boolean {
  const list = bannedSet();
  const folded = password.normalize('NFKC').toLowerCase();
  if (list.has(folded)) return true;
  const core = folded.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  if (core.length > 0 && list.has(core)) return true;
  const unit = /^(.+?)\1+$/u.exec(folded)?.[1];
  if (unit !== undefined && ([...unit].length <= 6 || list.has(unit))) return true;
  return false;
}

export function createPasswordHasher(
  options: { bannedListEnabled?: () => Promise<boolean> } = {},
): PasswordHasher {
  return {
    async check(password) {
      const length = [...password].length;
      if (length < MIN_PASSWORD_LENGTH)
        return { ok: false, message: `the password must have at least ${MIN_PASSWORD_LENGTH} characters` };
      if (length > MAX_PASSWORD_LENGTH)
        return { ok: false, message: `the password must have at most ${MAX_PASSWORD_LENGTH} characters` };
      const useList = options.bannedListEnabled ? await options.bannedListEnabled() : true;
      if (useList && isBannedPassword(password))
        return {
          ok: false,
          message: 'this password is on the list of common or breached passwords; choose another',
        };
      return { ok: true };
    },
    hash: (password) => argon2Hash(password.normalize('NFKC'), ARGON2_OPTIONS),
    async verify(hash, password) {
      if (hash.startsWith('{')) return verifyImportedHash(hash, password);
      try {
        return await argon2Verify(hash, password.normalize('NFKC'));
      } catch {
        // A malformed stored hash verifies nothing.
        return false;
      }
    },
  };
}
