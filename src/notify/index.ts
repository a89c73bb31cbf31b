export { type AlertEmail, alertEvidence, composeAlertEmail, type EmailLanguage } from './alert-email.js';
export type { DispatchSummary } from './dispatch-deliveries.js';
export {
  EMAIL_REPEAT_INTERVAL_MS,
  type EmailPayload,
  type WebhookEvent,
  type WebhookPayload,
} from './enqueue-alert-notifications.js';
export type { NotificationChannel, NotificationDelivery } from './notification-deliveries.js';
export {
  createNotifier,
  type Notifier,
  type NotifierDeps,
  type NotifierOptions,
  type Timer,
} from './notifier.js';
export { type NotifyFailure, type NotifyFailureCode, notifyFailureCodes } from './notify.outcomes.js';
export { MAX_ATTEMPTS, RETRY_DELAYS_MS } from './retry-schedule.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  signWebhookBody,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type WebhookVerification,
} from './webhook-signature.js';
export type { WebhookTargetOptions } from './webhook-targets.js';
export type { Webhook } from './webhooks.js';
