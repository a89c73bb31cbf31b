import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { AttemptOutcome } from './notification-deliveries.js';
import { SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from './webhook-signature.js';
import type { ResolvedAddress, WebhookTargets } from './webhook-targets.js';

export interface WebhookRequest {
  url: string;
  secret: string;
  /** The delivery's id, the same on every retry, so that receivers can drop duplicates. */
  deliveryId: string;
  event: string;
  body: string;
  timestampSeconds: number;
  timeoutMs: number;
}

/**
 * One signed POST. A 2xx is delivered; any other status, a redirect (never followed: the admin
 * named this URL, not wherever it points, and a followed redirect could lead to an internal host),
 * a network error or the timeout is a failure to retry. A target that resolves to an internal
 * address is refused before any connection, so the log never tells whether an internal port answered.
 */
export async function sendWebhook(targets: WebhookTargets, request: WebhookRequest): Promise<AttemptOutcome> {
  const url = new URL(request.url);
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const target = await Promise.race([
    targets.resolveTarget(url.hostname),
    new Promise<null>((resolve) => deadline.addEventListener('abort', () => resolve(null), { once: true })),
  ]);
  if (target === null) return { ok: false, retry: true, error: `no answer within ${request.timeoutMs} ms` };
  if (!target.ok)
    return target.kind === 'refused'
      ? { ok: false, retry: false, error: `refused: ${target.reason}` }
      : { ok: false, retry: true, error: target.reason };
  try {
    const status = await post(url, request, target.addresses, deadline);
    if (status >= 200 && status < 300) return { ok: true };
    return { ok: false, retry: true, error: `HTTP ${status}` };
  } catch (error) {
    const failure = error as Error & { code?: string };
    if (deadline.aborted)
      return { ok: false, retry: true, error: `no answer within ${request.timeoutMs} ms` };
    return { ok: false, retry: true, error: `network error: ${failure.code ?? failure.message}` };
  }
}

/** Connects only to the addresses that were judged: the lookup hands them over as they are. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0]!;
    if (options.all)
      callback(
        null,
        addresses.map((entry) => ({ ...entry })),
      );
    else callback(null, first.address, first.family);
  };
}

function post(
  url: URL,
  request: WebhookRequest,
  addresses: readonly ResolvedAddress[],
  signal: AbortSignal,
): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      url,
      {
        method: 'POST',
        // A fresh connection each time: a pooled one could outlive a change of the allowed hosts.
        agent: false,
        lookup: pinnedLookup(addresses),
        signal,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(request.body),
          'User-Agent': 'Mailwarden-Webhook/1',
          'X-Mailwarden-Event': request.event,
          'X-Mailwarden-Delivery': request.deliveryId,
          [TIMESTAMP_HEADER]: String(request.timestampSeconds),
          [SIGNATURE_HEADER]: signWebhookBody(request.secret, request.timestampSeconds, request.body),
        },
      },
      (response) => {
        // The answer's body is not needed, and a receiver must not make us read megabytes of it.
        response.destroy();
        resolve(response.statusCode ?? 0);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
