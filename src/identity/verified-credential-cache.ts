import { createHmac, randomBytes } from 'node:crypto';

/**
 * Remembers, for a short time, that a (user, stored hash, secret) triple verified, so that mail clients
 * that reconnect for every message pay argon2id once, not on every AUTH.
 *
 * Security invariants:
 * - Nothing reversible is kept: entries are HMACs under a key that lives only in this process.
 * - The stored password hash is part of the entry, so a password change or reset (which replaces the
 *   hash in the database every instance reads on each AUTH) misses the cache at once, everywhere.
 * - Only successes are cached; a wrong password always pays the full hash.
 */
export interface VerifiedCredentialCache {
  has(userId: string, storedHash: string, secret: string): boolean;
  remember(userId: string, storedHash: string, secret: string): void;
  /** Forgets every entry (an account changed on some instance). */
  clear(): void;
}

export function createVerifiedCredentialCache(options: {
  ttlMs: number;
  maxEntries: number;
  nowMs: () => number;
}): VerifiedCredentialCache {
  const key = randomBytes(32);
  const entries = new Map<string, number>();
  const digest = (userId: string, storedHash: string, secret: string) =>
    createHmac('sha256', key)
      .update(userId)
      .update('\0')
      .update(storedHash)
      .update('\0')
      .update(secret)
      .digest('base64');
  return {
    has(userId, storedHash, secret) {
      const entry = digest(userId, storedHash, secret);
      const expiresAt = entries.get(entry);
      if (expiresAt === undefined) return false;
      if (expiresAt <= options.nowMs()) {
        entries.delete(entry);
        return false;
      }
      return true;
    },
    remember(userId, storedHash, secret) {
      const entry = digest(userId, storedHash, secret);
      entries.delete(entry);
      if (entries.size >= options.maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(entry, options.nowMs() + options.ttlMs);
    },
    clear() {
      entries.clear();
    },
  };
}
