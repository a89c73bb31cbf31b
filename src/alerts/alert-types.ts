/** The alerts Mailwarden raises (PRODUCT.md, "Alerts"), with their titles and default severities. */
export const alertTypes = {
  'user-restricted': { title: 'User restricted from sending email', severity: 'high' },
  'sending-limit-exceeded': { title: 'Email sending limit exceeded', severity: 'medium' },
  'suspicious-sending': { title: 'Suspicious email sending patterns detected', severity: 'medium' },
  // A message was delivered but its Send record could not be written: a gap in the audit log.
  'audit-record-unwritten': { title: 'Audit record could not be written', severity: 'high' },
  // Postfix authenticated a login that is no Mailwarden user: counted under the default policy.
  'unknown-sender': { title: 'Mail sent by a login Mailwarden does not know', severity: 'medium' },
  // Sign-in risk: a medium- or high-risk sign-in with the right credential, or a password spray.
  'suspicious-sign-in': { title: 'Suspicious sign-in', severity: 'high' },
  // Inbox rules (respond/): a Sieve script saved or activated in Dovecot, read through doveadm.
  'external-forwarding-rule': {
    title: 'Forwarding rule to an external domain created',
    severity: 'informational',
  },
  'suspicious-inbox-rule': {
    title: 'Suspicious inbox rule created: it deletes, hides or marks mail as read',
    severity: 'medium',
  },
  // The audit chain's head is behind a signed anchor of it (audit/anchoring.ts): records were cut.
  'audit-log-cut': {
    title: 'Audit log cut: its newest records were removed',
    severity: 'high',
  },
} as const satisfies Record<string, { title: string; severity: AlertSeverity }>;

export type AlertType = keyof typeof alertTypes;
export type AlertSeverity = 'informational' | 'low' | 'medium' | 'high';
export type AlertStatus = 'new' | 'acknowledged' | 'resolved';

export interface Alert {
  id: string;
  type: AlertType;
  title: string;
  severity: AlertSeverity;
  mailbox: string | null;
  status: AlertStatus;
  /** How many occurrences were grouped into this alert. */
  count: number;
  firstAt: string;
  lastAt: string;
  evidence: Record<string, unknown>;
  updatedBy: string | null;
}
