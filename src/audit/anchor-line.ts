import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A signed statement "at this time the audit chain ended at record headId with this hash", kept
 * outside the database. The chain proves that nothing before its head was changed; only an anchor
 * proves where the head was, so that removing the newest records (and chaining new ones onto the
 * shortened tail) shows.
 */
export interface AuditAnchor {
  atMs: number;
  headId: number;
  headHash: string;
}

/** An anchor as read back, with where it came from (for the verify message). */
export interface ReadAnchor extends AuditAnchor {
  lineNumber: number;
}

const FORMAT = 'mailwarden-audit-anchor-v1';

/** What the MAC covers: every field of the line, in a fixed order, under the format's name. */
function anchorText(anchor: AuditAnchor): string {
  return JSON.stringify([FORMAT, anchor.headId, anchor.headHash, anchor.atMs]);
}

function macOf(key: Buffer, anchor: AuditAnchor): Buffer {
  return createHmac('sha256', key).update(anchorText(anchor)).digest();
}

/**
 * One JSON line: `{"anchor":…,"at":ISO time,"headId":…,"headHash":…,"mac":hex}`. HMAC-SHA-256 rather
 * than a signature: verify checks every line of a log that grows by one a minute, and an Ed25519
 * verification costs about 0.4 ms here against a few microseconds.
 */
export function formatAnchorLine(key: Buffer, anchor: AuditAnchor): string {
  return `${JSON.stringify({
    anchor: FORMAT,
    at: new Date(anchor.atMs).toISOString(),
    headId: anchor.headId,
    headHash: anchor.headHash,
    mac: macOf(key, anchor).toString('hex'),
  })}\n`;
}

export type ParsedAnchorLine = { ok: true; anchor: AuditAnchor } | { ok: false; reason: string };

/** Reads one line back; refuses anything that is not a line this key made (forged or altered). */
export function parseAnchorLine(key: Buffer, text: string): ParsedAnchorLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'is not an anchor (not JSON)' };
  }
  const fields = (value ?? {}) as Record<string, unknown>;
  const atMs = typeof fields['at'] === 'string' ? Date.parse(fields['at']) : Number.NaN;
  const { headId, headHash, mac } = fields;
  if (
    fields['anchor'] !== FORMAT ||
    !Number.isSafeInteger(headId) ||
    (headId as number) < 1 ||
    typeof headHash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(headHash) ||
    !Number.isFinite(atMs) ||
    typeof mac !== 'string' ||
    !/^[0-9a-f]{64}$/.test(mac)
  )
    return { ok: false, reason: 'is not an anchor (fields missing or malformed)' };
  const anchor = { atMs, headId: headId as number, headHash };
  // Constant time: a forger probing the verifier must learn nothing from how long a refusal took.
  if (!timingSafeEqual(Buffer.from(mac, 'hex'), macOf(key, anchor)))
    return { ok: false, reason: 'does not carry a valid signature of the anchor key (forged or altered)' };
  return { ok: true, anchor };
}
