import { type Message, moment } from '../../i18n/index.js';
import {
  allOrNothing,
  type ControlDefinition,
  couldNotCheck,
  coverage,
  DAY_MS,
  findingOf,
  type Measurement,
  share,
  withReading,
} from '../control-definition.js';
import { finding } from '../finding.js';
import type { ChainStatus } from '../score-inputs.js';

export const MIN_AUDIT_RETENTION_DAYS = 90;

/** What a walk that passed covered, and what was appended after it (and so is not proven yet). */
function walkedChain(chain: ChainStatus, at: string): Message {
  const covered =
    chain.throughId === null
      ? finding('score.finding.chainEmpty', { at: moment(at) })
      : finding('score.finding.chainVerifies', {
          // An identifier, not an amount: written as it is ("12345", not "12,345").
          id: String(chain.throughId),
          count: chain.recordsChecked,
          at: moment(at),
        });
  const newer = chain.newerRecords ?? 0;
  if (newer === 0) return covered;
  return findingOf([
    covered,
    newer === 1
      ? finding('score.finding.chainNewerOne')
      : finding('score.finding.chainNewer', { count: newer }),
  ]);
}

/** The chain walk's finding: what it covered, or where it found the log altered. */
function chainFinding(chain: ChainStatus, nowMs: number): Message {
  // The score sets verifiedAt on every walk (chain-status.ts); a walk without one ran just now.
  const at = chain.verifiedAt ?? new Date(nowMs).toISOString();
  if (chain.ok) return walkedChain(chain, at);
  return chain.detail
    ? finding('score.finding.chainTampered', { detail: chain.detail, at: moment(at) })
    : finding('score.finding.chainTamperedUnknown', { at: moment(at) });
}

export const auditControls: ControlDefinition[] = [
  {
    id: 'audit.mailbox-auditing',
    title: 'Mailbox auditing on for every mailbox',
    category: 'audit',
    maxPoints: 3,
    measuredBy: 'Share of mailboxes with auditing on: partial credit.',
    why: 'Without the mailbox audit trail nobody can tell what an intruder read, sent, moved or forwarded, nor whom to warn.',
    fix: {
      cli: 'npx mailwarden audit mailbox list; npx mailwarden audit mailbox enable <mailbox>',
      api: 'PUT /api/v1/audit/mailboxes/{mailbox} {"enabled": true}',
    },
    measure: (facts) =>
      withReading(facts.inputs.audit.mailboxAuditCoverage(), (audit) =>
        coverage(
          audit.audited,
          audit.total,
          finding('score.finding.mailboxesAudited', {
            good: audit.audited,
            total: audit.total,
            percent: share(audit.audited, audit.total),
          }),
          { ...audit },
        ),
      ),
  },
  {
    id: 'audit.retention',
    title: `Audit records kept at least ${MIN_AUDIT_RETENTION_DAYS} days`,
    category: 'audit',
    maxPoints: 3,
    measuredBy: `The audit retention (the org setting audit.retentionDays) is at least ${MIN_AUDIT_RETENTION_DAYS} days, or unlimited.`,
    why: 'Compromises are often found weeks later; the trail has to reach back to the first sign-in of the intruder.',
    fix: {
      cli: 'npx mailwarden org set audit.retentionDays 180',
      api: 'PATCH /api/v1/org/settings {"audit.retentionDays": 180}',
    },
    measure: (facts) =>
      withReading(facts.inputs.audit.retentionDays(), (days): Measurement => {
        const measurement = allOrNothing(
          days === null || days >= MIN_AUDIT_RETENTION_DAYS,
          days === null
            ? finding('score.finding.auditKeptForever')
            : finding('score.finding.auditKeptDays', { days }),
          { retentionDays: days },
        );
        if (days === null)
          measurement.notes = [finding('score.note.retentionUnlimited', { min: MIN_AUDIT_RETENTION_DAYS })];
        else if (days > MIN_AUDIT_RETENTION_DAYS)
          measurement.notes = [finding('score.note.retentionDays', { min: MIN_AUDIT_RETENTION_DAYS, days })];
        return measurement;
      }),
  },
  {
    id: 'audit.chain-verifies',
    title: 'Audit log hash chain verifies',
    category: 'audit',
    maxPoints: 5,
    measuredBy:
      'Walking the hash chain of the audit log finds no altered, missing or relinked record, and no record that lost its search keys. The walk of the last 24 hours is reused (the server walks it daily with the snapshot; `mailwarden score snapshot` walks it now); the finding names the last record it reached and how many were appended since.',
    why: 'An attacker with database access would remove their traces; a chain that verifies proves nobody did.',
    fix: {
      cli: 'npx mailwarden audit verify   # names the first broken record',
      api: 'GET /api/v1/audit/verify',
    },
    measure: (facts) =>
      withReading(facts.inputs.audit.verifyChain(), (chain) =>
        allOrNothing(chain.ok, chainFinding(chain, facts.nowMs), { ...chain }),
      ),
  },
  {
    id: 'audit.alert-notifications-delivered',
    title: 'Alert notifications reach at least one channel',
    category: 'audit',
    maxPoints: 3,
    measuredBy:
      'A channel exists (admin email or webhook) and, of the notifications of the last 30 days, at least one was delivered (or none was due).',
    why: 'Alerts that fail to arrive are alerts nobody acts on; a broken relay or webhook goes unnoticed until the incident.',
    fix: {
      cli: 'npx mailwarden webhook deliveries   # see last errors; npx mailwarden webhook add ops --url https://…',
      api: 'GET /api/v1/webhooks/deliveries',
    },
    async measure(facts) {
      const channels = await facts.once('notify.channels', () => facts.inputs.notify.channels());
      if (!channels.available) return couldNotCheck(channels.reason);
      const total = channels.value.adminEmails + channels.value.activeWebhooks;
      if (total === 0) return allOrNothing(false, finding('score.finding.noChannel'));
      return withReading(facts.inputs.notify.deliveries(facts.nowMs - 30 * DAY_MS), (deliveries) => {
        const detail = { ...channels.value, ...deliveries };
        if (deliveries.delivered > 0)
          return allOrNothing(
            true,
            finding('score.finding.deliveries', {
              delivered: deliveries.delivered,
              failed: deliveries.failed,
            }),
            detail,
          );
        if (deliveries.failed > 0)
          return allOrNothing(
            false,
            finding('score.finding.allFailed', { failed: deliveries.failed }),
            detail,
          );
        return {
          ...allOrNothing(true, finding('score.finding.channelsIdle'), detail),
          notes: [finding('score.note.nothingSent')],
        };
      });
    },
  },
  {
    id: 'audit.restricted-senders-reviewed',
    title: 'Restricted senders reviewed within 7 days',
    category: 'audit',
    maxPoints: 3,
    measuredBy: 'Share of restrictions in force that are less than 7 days old: partial credit.',
    why: 'A restricted sender is a probable compromise: until an admin secures and releases the account, the user cannot work and the intruder may still read mail.',
    fix: {
      cli: 'npx mailwarden restricted list; npx mailwarden restricted release <address> --reason "…"',
      api: 'POST /api/v1/restricted/{address}/release {"reason": "…"}',
      console: '/admin/restricted',
    },
    measure: (facts) =>
      withReading(facts.inputs.outbound.restrictions(facts.nowMs - 7 * DAY_MS), (restricted) =>
        coverage(
          restricted.active - restricted.stale,
          restricted.active,
          restricted.active === 0
            ? finding('score.finding.noRestricted')
            : finding('score.finding.restrictedWaiting', {
                stale: restricted.stale,
                total: restricted.active,
              }),
          { ...restricted },
        ),
      ),
  },
  {
    id: 'audit.high-alerts-triaged',
    title: 'High-severity alerts triaged within 7 days',
    category: 'audit',
    maxPoints: 2,
    measuredBy:
      'Share of new (not acknowledged, not resolved) high-severity alerts raised less than 7 days ago.',
    why: 'A high alert is a likely compromise; left untriaged it becomes a breach nobody looked at.',
    fix: {
      cli: 'npx mailwarden alerts list --status new; npx mailwarden alerts ack <id>',
      api: 'POST /api/v1/alerts/{id}/acknowledge',
      console: '/admin/alerts',
    },
    measure: (facts) =>
      withReading(facts.inputs.alerts.untriagedHigh(facts.nowMs - 7 * DAY_MS), (alerts) =>
        coverage(
          alerts.open - alerts.stale,
          alerts.open,
          alerts.open === 0
            ? finding('score.finding.noHighAlerts')
            : finding('score.finding.highAlertsOld', { stale: alerts.stale, total: alerts.open }),
          { ...alerts },
        ),
      ),
  },
];
