import { randomFillSync } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then 74 random bits. For rows that
 * arrive in time order under a text primary key (the sign-in log): each new key goes to the end of
 * the key's index instead of onto a random page, so a commit changes one leaf for all its rows and a
 * large table needs no cold page read per insert. Ids of the same millisecond are kept apart by their
 * random bits (a collision needs about 2^37 ids in one millisecond).
 */
export function timeOrderedId(nowMs: number): string {
  const bytes = randomFillSync(Buffer.allocUnsafe(16));
  bytes.writeUIntBE(Math.max(0, Math.floor(nowMs)) % 2 ** 48, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
