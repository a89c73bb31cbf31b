import type { AttemptOutcome } from './notification-deliveries.js';
import { SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from './webhook-signature.js';

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
 * named this URL, not wherever it points), a network error or the timeout is a failure to retry.
 */
export async function sendWebhook(request: WebhookRequest): Promise<AttemptOutcome> {
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Mailwarden-Webhook/1',
        'X-Mailwarden-Event': request.event,
        'X-Mailwarden-Delivery': request.deliveryId,
        [TIMESTAMP_HEADER]: String(request.timestampSeconds),
        [SIGNATURE_HEADER]: signWebhookBody(request.secret, request.timestampSeconds, request.body),
      },
      body: request.body,
    });
    // The answer's body is not needed, and a receiver must not make us read megabytes of it.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true };
    return { ok: false, retry: true, error: `HTTP ${response.status}` };
  } catch (error) {
    const failure = error as Error & { cause?: { code?: string; message?: string } };
    if (failure.name === 'TimeoutError' || failure.name === 'AbortError')
      return { ok: false, retry: true, error: `no answer within ${request.timeoutMs} ms` };
    const detail = failure.cause?.code ?? failure.cause?.message ?? failure.message;
    return { ok: false, retry: true, error: `network error: ${detail}` };
  }
}
