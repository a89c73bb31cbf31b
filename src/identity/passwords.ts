import argon2 from 'argon2';

/**
 * NIST SP 800-63B §5.1.1.2: a length floor and no composition rules or periodic expiry. We ask for 12
 * characters (the floor, above NIST's 8) and cap at 256 so that hashing cost stays bounded.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Argon2id at OWASP's 2023 baseline (19 MiB, 2 passes, 1 lane). The native binding runs in libuv's
 * thread pool, so a verification never blocks the event loop that serves other connections.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  check(password: string): { ok: true } | { ok: false; message: string };
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export function createPasswordHasher(): PasswordHasher {
  return {
    check(password) {
      const length = [...password].length;
      if (length < MIN_PASSWORD_LENGTH)
        return { ok: false, message: `the password must have at least ${MIN_PASSWORD_LENGTH} characters` };
      if (length > MAX_PASSWORD_LENGTH)
        return { ok: false, message: `the password must have at most ${MAX_PASSWORD_LENGTH} characters` };
      return { ok: true };
    },
    hash: (password) => argon2.hash(password.normalize('NFKC'), ARGON2_OPTIONS),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password.normalize('NFKC'));
      } catch {
        // A malformed stored hash verifies nothing.
        return false;
      }
    },
  };
}
