import type { RaiseAlertInput } from '../../src/alerts/index.js';
import type { App } from '../../src/app.js';

/** The evidence of a restriction as outbound/message-budget.ts writes it. */
export const restrictionEvidence = {
  limitKind: 'hourly-external-limit',
  used: 5,
  limit: 5,
  action: 'restrict',
  policy: 'default',
  counts: { used: 5, limit: 5 },
  policyVersion: 2,
  sampleSubjects: ['Invoice overdue', 'Ihre Rechnung – bitte prüfen'],
  recipientDomains: [
    { domain: 'customer.test', recipients: 3 },
    { domain: 'other.test', recipients: 2 },
  ],
  sourceIps: ['198.51.100.7'],
  messagesLastHour: 4,
};

/**
 * Raises an alert the way the outbound module does (inside a write transaction, then announced
 * after commit), and waits until its notifications are queued.
 */
export async function raiseAlert(
  app: App,
  input: RaiseAlertInput = {
    type: 'user-restricted',
    mailbox: 'alice@example.org',
    evidence: restrictionEvidence,
  },
) {
  const raised = await app.store.writeTransaction(async (trx) => [await app.alerts.raiseWithin(trx, input)]);
  app.alerts.announce(raised);
  await app.notifier.flush();
  return raised[0]!;
}
