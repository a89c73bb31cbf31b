import type { Delivery } from '../delivery/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { SecretBox } from '../runtime/secret-box.js';
import type { NotificationDeliveryTable, Store } from '../store/index.js';
import type { EmailPayload, WebhookPayload } from './enqueue-alert-notifications.js';
import { type AttemptOutcome, claimDue, recordAttempts } from './notification-deliveries.js';
import { buildPlainTextMessage } from './plain-text-message.js';
import { MAX_ATTEMPTS } from './retry-schedule.js';
import { sendWebhook } from './send-webhook.js';
import type { WebhookTargets } from './webhook-targets.js';

export interface DispatchDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  delivery: Delivery;
  secrets: SecretBox;
  webhookTargets: WebhookTargets;
  webhookTimeoutMs: number;
  batchSize: number;
}

export interface DispatchSummary {
  attempted: number;
  delivered: number;
  /** Failed this time, with another attempt scheduled. */
  retrying: number;
  /** Failed for good: the last attempt, or a permanent refusal. */
  failed: number;
}

/**
 * Longer than any one attempt (webhooks time out after 10 s, the relay after relay.timeoutMs), so a
 * claimed delivery is not taken again while it is being sent; after a crash it is retried this late.
 */
const CLAIM_LEASE_MS = 10 * 60_000;
/** Rounds of one batch each per run, so that one run ends even while new deliveries keep coming. */
const MAX_ROUNDS = 50;

/** Sends every delivery that is due now, in batches, and records each attempt. */
export async function dispatchDueDeliveries(deps: DispatchDeps): Promise<DispatchSummary> {
  const summary: DispatchSummary = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const rows = await claimDue(deps.store, deps.clock.nowMs(), deps.batchSize, CLAIM_LEASE_MS);
    if (rows.length === 0) break;
    const webhooks = await loadWebhooks(
      deps,
      rows.filter((row) => row.channel === 'webhook').map((row) => row.target),
    );
    const results = await Promise.all(
      rows.map(async (row) => ({ row, outcome: await attempt(deps, row, webhooks) })),
    );
    await recordAttempts(deps.store, results, deps.clock.nowMs());
    for (const { row, outcome } of results) {
      summary.attempted += 1;
      if (outcome.ok) summary.delivered += 1;
      else {
        const finalAttempt = !outcome.retry || isLastAttempt(row.attempts + 1);
        if (finalAttempt) summary.failed += 1;
        else summary.retrying += 1;
        const log = finalAttempt ? deps.logger.warn : deps.logger.info;
        log(finalAttempt ? 'notification failed for good' : 'notification attempt failed; will retry', {
          deliveryId: row.id,
          channel: row.channel,
          target: row.channel === 'webhook' ? `webhook:${row.target}` : row.target,
          attempts: row.attempts + 1,
          error: outcome.error,
        });
      }
    }
    if (rows.length < deps.batchSize) break;
  }
  return summary;
}

type WebhookRows = Map<string, { url: string; secret: string } | { error: string }>;

async function loadWebhooks(deps: DispatchDeps, ids: readonly string[]): Promise<WebhookRows> {
  const targets: WebhookRows = new Map();
  if (ids.length === 0) return targets;
  const rows = await deps.store.db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
  for (const row of rows) {
    if (row.disabled_at !== null) targets.set(row.id, { error: 'webhook disabled' });
    else
      try {
        targets.set(row.id, { url: row.url, secret: await deps.secrets.open(row.secret_encrypted) });
      } catch (error) {
        targets.set(row.id, { error: `signing secret unreadable: ${(error as Error).message}` });
      }
  }
  return targets;
}

/** One attempt; never throws, so one broken delivery cannot stop the others. */
async function attempt(
  deps: DispatchDeps,
  row: NotificationDeliveryTable,
  webhooks: WebhookRows,
): Promise<AttemptOutcome> {
  try {
    if (row.channel === 'email') return await attemptEmail(deps, row);
    const webhook = webhooks.get(row.target);
    if (!webhook) return { ok: false, retry: false, error: 'webhook removed' };
    // An unreadable secret (secrets.key changed, say) may be fixed by the operator: keep retrying.
    if ('error' in webhook)
      return { ok: false, retry: webhook.error !== 'webhook disabled', error: webhook.error };
    const payload = JSON.parse(row.payload) as WebhookPayload;
    const nowMs = deps.clock.nowMs();
    // Signed afresh at every attempt: a retry hours later carries a current timestamp.
    return await sendWebhook(deps.webhookTargets, {
      url: webhook.url,
      secret: webhook.secret,
      deliveryId: row.id,
      event: payload.event,
      body: JSON.stringify({ ...payload, sentAt: new Date(nowMs).toISOString() }),
      timestampSeconds: Math.floor(nowMs / 1000),
      timeoutMs: deps.webhookTimeoutMs,
    });
  } catch (error) {
    return { ok: false, retry: true, error: `internal error: ${(error as Error).message}` };
  }
}

async function attemptEmail(deps: DispatchDeps, row: NotificationDeliveryTable): Promise<AttemptOutcome> {
  const payload = JSON.parse(row.payload) as EmailPayload;
  const raw = buildPlainTextMessage({
    from: payload.from,
    fromName: 'Mailwarden',
    to: row.target,
    subject: payload.subject,
    text: payload.text,
    date: new Date(deps.clock.nowMs()),
    // The same on every retry, so that a message delivered twice is recognised as one.
    messageId: `${row.id}@${payload.from.slice(payload.from.lastIndexOf('@') + 1)}`,
  });
  const outcome = await deps.delivery.deliver({ from: payload.from, to: [row.target], raw });
  if (!outcome.ok) return { ok: false, retry: outcome.kind === 'temporary', error: outcome.message };
  const refused = outcome.refusedRecipients[0];
  if (refused) return { ok: false, retry: false, error: refused.response };
  return { ok: true };
}

function isLastAttempt(attempts: number): boolean {
  return attempts >= MAX_ATTEMPTS;
}
