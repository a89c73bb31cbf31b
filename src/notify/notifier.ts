import type { Alert } from '../alerts/index.js';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Delivery } from '../delivery/index.js';
import type { Directory } from '../directory/index.js';
import type { Locale } from '../i18n/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { SecretBox } from '../runtime/secret-box.js';
import type { Store } from '../store/index.js';
import type { EmailLanguage } from './alert-email.js';
import { type DispatchSummary, dispatchDueDeliveries } from './dispatch-deliveries.js';
import { enqueueAlertNotifications } from './enqueue-alert-notifications.js';
import { listDeliveries } from './notification-deliveries.js';
import { createWebhookTargets, type WebhookTargetOptions } from './webhook-targets.js';
import { addWebhook, listWebhooks, removeWebhook } from './webhooks.js';

export interface NotifierDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  directory: Directory;
  /** The same delivery the gateway uses: the upstream relay or the local spool. */
  delivery: Delivery;
  secrets: SecretBox;
  /** The From domain (mailwarden@…) while the organization has no domain yet: smtp.hostname. */
  hostname: string;
  /** Which internal hosts webhooks may reach, and the DNS they are resolved with. */
  webhookTargets: WebhookTargetOptions;
  /** notify.emailFrom: the From address of alert emails (null: mailwarden@ the first domain added). */
  emailFrom?: string | null;
  /**
   * The language of an alert email for a recipient's own choice (null: the organization's, `org set
   * locale`), in the organization's time zone (`org set timeZone`).
   */
  language?: (locale: Locale | null) => Promise<EmailLanguage>;
  timer?: Timer;
}

export interface NotifierOptions {
  webhookTimeoutMs?: number;
  pollIntervalMs?: number;
  batchSize?: number;
}

/** How the dispatcher waits between runs; tests leave the loop off and call runDueDeliveries. */
export interface Timer {
  schedule(callback: () => void, delayMs: number): { cancel(): void };
}

const systemTimer: Timer = {
  schedule(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    // The dispatcher alone never keeps a process alive (the CLI exits when its work is done).
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_INTERVAL_MS = 5_000;
const DEFAULT_BATCH_SIZE = 20;

/**
 * Admin email and signed webhooks for alerts. Raising an alert only enqueues deliveries (after the
 * alert committed, off the caller's path); a dispatcher loop sends them and retries with backoff,
 * so a receiver that is slow or down never delays or breaks mail flow.
 */
export function createNotifier(deps: NotifierDeps, options: NotifierOptions = {}) {
  const logger = deps.logger.child({ module: 'notify' });
  const timer = deps.timer ?? systemTimer;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const webhookTargets = createWebhookTargets(deps.webhookTargets);
  const webhookDeps = { ...deps, webhookTargets };
  const dispatchDeps = {
    store: deps.store,
    clock: deps.clock,
    logger,
    delivery: deps.delivery,
    secrets: deps.secrets,
    webhookTargets,
    webhookTimeoutMs: options.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
  };
  const enqueuing = new Set<Promise<void>>();
  let lastRun: Promise<unknown> = Promise.resolve();
  let loop: { scheduled: { cancel(): void } | null; busy: boolean; again: boolean } | null = null;

  /** One run at a time in this process; callers queue behind the one in progress. */
  function runDueDeliveries(): Promise<DispatchSummary> {
    const run = lastRun.then(() => dispatchDueDeliveries(dispatchDeps));
    lastRun = run.catch(() => undefined);
    return run;
  }

  function scheduleRun(delayMs: number): void {
    if (!loop) return;
    loop.scheduled?.cancel();
    loop.scheduled = timer.schedule(() => void tick(), delayMs);
  }

  async function tick(): Promise<void> {
    if (!loop) return;
    loop.scheduled = null;
    loop.busy = true;
    loop.again = false;
    try {
      await runDueDeliveries();
    } catch (error) {
      logger.error('notification dispatch failed', { error });
    }
    if (!loop) return;
    loop.busy = false;
    scheduleRun(loop.again ? 0 : pollIntervalMs);
  }

  /** Resolves once the deliveries of every alert raised so far are queued. */
  async function flush(): Promise<void> {
    while (enqueuing.size > 0) await Promise.all([...enqueuing]);
  }

  /** New deliveries were queued: send them now rather than at the next poll. */
  function wake(): void {
    if (!loop) return;
    if (loop.busy) loop.again = true;
    else scheduleRun(0);
  }

  return {
    /**
     * The alerts hook (onRaised): queues the deliveries in the background and returns at once.
     * Never throws and never rejects: a notification problem is logged, mail flow goes on.
     */
    alertRaised(alert: Alert, isNew: boolean): void {
      const work = (async () => {
        try {
          if ((await enqueueAlertNotifications(deps, alert, isNew)) > 0) wake();
        } catch (error) {
          logger.error('alert notifications not queued', { alertId: alert.id, error });
        }
      })();
      enqueuing.add(work);
      void work.finally(() => enqueuing.delete(work));
    },
    addWebhook: (input: { name: string; url: string }, actor: Actor) => addWebhook(webhookDeps, input, actor),
    removeWebhook: (name: string, actor: Actor) => removeWebhook(webhookDeps, name, actor),
    listWebhooks: () => listWebhooks(deps.store.db),
    listDeliveries: (query?: { limit?: number }) => listDeliveries(deps.store.db, query),
    runDueDeliveries,
    flush,
    /** Starts the dispatcher loop: a run now, then one every poll interval and whenever alerts queue work. */
    start(): void {
      if (loop) return;
      loop = { scheduled: null, busy: false, again: false };
      scheduleRun(0);
    },
    /** Stops the loop and waits for the run in progress and the queueing in flight. */
    async stop(): Promise<void> {
      loop?.scheduled?.cancel();
      loop = null;
      await flush();
      await lastRun;
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
