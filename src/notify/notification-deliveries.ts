import { randomUUID } from 'node:crypto';
import type { Executor, NotificationDeliveryTable, Store } from '../store/index.js';
import { nextAttemptAfterFailure } from './retry-schedule.js';

export type NotificationChannel = NotificationDeliveryTable['channel'];

/** One row of the delivery log, as `webhook deliveries` and the API show it. */
export interface NotificationDelivery {
  id: string;
  channel: NotificationChannel;
  /** An email address, or the webhook's id. */
  target: string;
  /** The webhook's name, while it exists. */
  webhookName: string | null;
  alertId: string | null;
  status: NotificationDeliveryTable['status'];
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface PendingNotification {
  channel: NotificationChannel;
  target: string;
  alertId: string | null;
  payload: unknown;
}

/** What one attempt came to; `retry: false` gives up at once (a permanent refusal). */
export type AttemptOutcome = { ok: true } | { ok: false; retry: boolean; error: string };

export async function insertPending(
  trx: Executor,
  notifications: readonly PendingNotification[],
  nowMs: number,
): Promise<void> {
  if (notifications.length === 0) return;
  await trx
    .insertInto('notification_deliveries')
    .values(
      notifications.map((notification) => ({
        id: randomUUID(),
        channel: notification.channel,
        target: notification.target,
        alert_id: notification.alertId,
        payload: JSON.stringify(notification.payload),
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: nowMs,
        last_error: null,
        created_at: nowMs,
        delivered_at: null,
      })),
    )
    .execute();
}

/** Whether this alert was emailed to the admins since `sinceMs` (repeats are emailed once an hour). */
export async function emailedSince(trx: Executor, alertId: string, sinceMs: number): Promise<boolean> {
  const row = await trx
    .selectFrom('notification_deliveries')
    .select('id')
    .where('channel', '=', 'email')
    .where('alert_id', '=', alertId)
    .where('created_at', '>', sinceMs)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Takes up to `limit` due deliveries and pushes their next attempt `leaseMs` ahead, so that another
 * instance (or an overlapping run) does not send them too; a process that dies mid-send leaves them
 * to be taken again when the lease ends. Delivery is therefore at least once: receivers de-duplicate
 * by the X-Mailwarden-Delivery header.
 */
export async function claimDue(
  store: Store,
  nowMs: number,
  limit: number,
  leaseMs: number,
): Promise<NotificationDeliveryTable[]> {
  return store.writeTransaction(async (trx) => {
    const rows = await trx
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', nowMs)
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    if (rows.length > 0)
      await trx
        .updateTable('notification_deliveries')
        .set({ next_attempt_at: nowMs + leaseMs })
        .where(
          'id',
          'in',
          rows.map((row) => row.id),
        )
        .execute();
    return rows;
  });
}

/** Records the attempts: delivered, another try on the retry schedule, or failed for good. */
export async function recordAttempts(
  store: Store,
  results: ReadonlyArray<{ row: NotificationDeliveryTable; outcome: AttemptOutcome }>,
  nowMs: number,
): Promise<void> {
  if (results.length === 0) return;
  await store.writeTransaction(async (trx) => {
    for (const { row, outcome } of results) {
      const attempts = row.attempts + 1;
      const next = outcome.ok || !outcome.retry ? null : nextAttemptAfterFailure(attempts, nowMs);
      await trx
        .updateTable('notification_deliveries')
        .set(
          outcome.ok
            ? { status: 'delivered', attempts, next_attempt_at: null, last_error: null, delivered_at: nowMs }
            : {
                status: next === null ? 'failed' : 'pending',
                attempts,
                next_attempt_at: next,
                last_error: outcome.error.slice(0, 500),
              },
        )
        .where('id', '=', row.id)
        // A webhook removed meanwhile already failed its pending rows; leave them so.
        .where('status', '=', 'pending')
        .execute();
    }
  });
}

export async function listDeliveries(
  db: Executor,
  options: { limit?: number } = {},
): Promise<NotificationDelivery[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 1000);
  const rows = await db
    .selectFrom('notification_deliveries')
    .leftJoin('webhooks', (join) =>
      join
        .onRef('webhooks.id', '=', 'notification_deliveries.target')
        .on('notification_deliveries.channel', '=', 'webhook'),
    )
    .selectAll('notification_deliveries')
    .select('webhooks.name as webhook_name')
    .orderBy('notification_deliveries.created_at', 'desc')
    .orderBy('notification_deliveries.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    channel: row.channel,
    target: row.target,
    webhookName: row.webhook_name ?? null,
    alertId: row.alert_id,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: toIso(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: new Date(row.created_at).toISOString(),
    deliveredAt: toIso(row.delivered_at),
  }));
}

function toIso(timeMs: number | null): string | null {
  return timeMs === null ? null : new Date(timeMs).toISOString();
}
