import type { Alert, AlertSeverity } from '../alerts/index.js';
import type { Directory } from '../directory/index.js';
import type { Locale } from '../i18n/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Store } from '../store/index.js';
import { type AlertEmail, composeAlertEmail, type EmailLanguage } from './alert-email.js';
import { emailedSince, insertPending, type PendingNotification } from './notification-deliveries.js';
import { listActiveWebhookIds } from './webhooks.js';

/** Alerts worth an email to every administrator; lower ones reach webhooks and the console only. */
const EMAILED_SEVERITIES: ReadonlySet<AlertSeverity> = new Set(['medium', 'high']);
/** A grouped repeat of an alert is emailed at most this often (each new alert always is). */
export const EMAIL_REPEAT_INTERVAL_MS = 3_600_000;

export interface EnqueueDeps {
  store: Store;
  directory: Directory;
  clock: Clock;
  /** The From domain when the organization has no domain yet (smtp.hostname). */
  hostname: string;
  /** The admin's chosen From address (notify.emailFrom); null: mailwarden@ the first domain added. */
  emailFrom?: string | null;
  /**
   * The language an email is written in for a recipient: their own choice (users.locale) or, when
   * null, the organization's (`org set locale`); the organization's time zone either way. English and
   * UTC without.
   */
  language?: (locale: Locale | null) => Promise<EmailLanguage>;
}

export type WebhookEvent = 'alert.raised' | 'alert.repeated';

/** What a webhook row holds; `sentAt` is added at each attempt, when the body is signed. */
export interface WebhookPayload {
  event: WebhookEvent;
  alert: Alert;
}

/** What an email row holds; the recipient is the row's target. */
export interface EmailPayload {
  from: string;
  subject: string;
  text: string;
}

/**
 * Writes the pending deliveries for one raised alert: one per active webhook, and, for a medium or
 * high alert that is new (or a repeat not emailed within the hour), one email per enabled admin, in
 * that admin's language.
 * The dispatcher sends them; nothing here talks to the network.
 */
export async function enqueueAlertNotifications(
  deps: EnqueueDeps,
  alert: Alert,
  isNew: boolean,
): Promise<number> {
  const now = deps.clock.nowMs();
  const emailSince = now - EMAIL_REPEAT_INTERVAL_MS;
  const wantsEmail =
    EMAILED_SEVERITIES.has(alert.severity) &&
    (isNew || !(await emailedSince(deps.store.db, alert.id, emailSince)));
  // Read before the write transaction: on SQLite it holds the only connection (store.ts).
  const admins = wantsEmail ? await deps.directory.listAdminRecipients() : [];
  const webhookIds = await listActiveWebhookIds(deps.store.db);
  if (webhookIds.length === 0 && admins.length === 0) return 0;

  const event: WebhookEvent = isNew ? 'alert.raised' : 'alert.repeated';
  const webhooks = webhookIds.map(
    (id): PendingNotification => ({
      channel: 'webhook',
      target: id,
      alertId: alert.id,
      payload: { event, alert } satisfies WebhookPayload,
    }),
  );
  let emails: PendingNotification[] = [];
  if (admins.length > 0) {
    const from = deps.emailFrom ?? `mailwarden@${await firstDomainAdded(deps)}`;
    // Written once per language among the recipients, each recipient getting their own.
    const written = new Map<Locale | null, Promise<AlertEmail>>();
    const emailIn = (locale: Locale | null) => {
      let email = written.get(locale);
      if (!email) {
        email = (async () =>
          composeAlertEmail(alert, isNew, deps.language ? await deps.language(locale) : undefined))();
        written.set(locale, email);
      }
      return email;
    };
    emails = await Promise.all(
      admins.map(async ({ address, locale }): Promise<PendingNotification> => {
        const email = await emailIn(locale);
        return {
          channel: 'email',
          target: address,
          alertId: alert.id,
          payload: { from, subject: email.subject, text: email.text } satisfies EmailPayload,
        };
      }),
    );
  }
  return deps.store.writeTransaction(async (trx) => {
    // Checked again under the write lock: two repeats at once must not both email.
    const emailNow = emails.length > 0 && (isNew || !(await emailedSince(trx, alert.id, emailSince)));
    const rows = emailNow ? [...webhooks, ...emails] : webhooks;
    await insertPending(trx, rows, now);
    return rows.length;
  });
}

/**
 * The organization's first domain is the one added first (its main one, as a rule), not the first in
 * alphabetical order; a later domain that sorts earlier must not change who alerts come from.
 */
async function firstDomainAdded(deps: EnqueueDeps): Promise<string> {
  const domains = await deps.directory.listDomains();
  const first = [...domains].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name),
  )[0];
  return first?.name ?? deps.hostname;
}
