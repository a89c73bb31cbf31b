import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Mailwarden-Signature';
export const TIMESTAMP_HEADER = 'X-Mailwarden-Timestamp';
/** Receivers should refuse a timestamp further than this from their clock (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * `sha256=<hex HMAC-SHA256("<timestamp>.<body>")>` keyed with the webhook's secret (its UTF-8 bytes,
 * the whole `whsec_…` string). Signing the timestamp with the body stops a captured request from
 * being replayed later with a fresh timestamp. docs/NOTIFICATIONS.md shows how a receiver checks it.
 */
export function signWebhookBody(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

export type WebhookVerification =
  | { ok: true }
  | { ok: false; code: 'malformed' | 'stale-timestamp' | 'bad-signature' };

/** What a receiver does with a request: constant-time comparison and a bounded timestamp age. */
export function verifyWebhookSignature(input: {
  secret: string;
  timestamp: string;
  body: string;
  signature: string;
  nowMs: number;
  toleranceSeconds?: number;
}): WebhookVerification {
  if (!/^\d{1,12}$/.test(input.timestamp) || !/^sha256=[0-9a-f]{64}$/.test(input.signature))
    return { ok: false, code: 'malformed' };
  const timestamp = Number(input.timestamp);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(input.nowMs / 1000 - timestamp) > tolerance) return { ok: false, code: 'stale-timestamp' };
  const expected = Buffer.from(signWebhookBody(input.secret, timestamp, input.body));
  const given = Buffer.from(input.signature);
  // Both are "sha256=" + 64 hex digits here, so the lengths match and timingSafeEqual cannot throw.
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, code: 'bad-signature' };
}
