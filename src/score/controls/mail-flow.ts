import { type Message, parts } from '../../i18n/index.js';
import {
  allOrNothing,
  type ControlDefinition,
  coverage,
  DAY_MS,
  type Measurement,
  withReading,
} from '../control-definition.js';
import type { Facts } from '../facts.js';
import { finding } from '../finding.js';
import type { PolicyFacts } from '../score-inputs.js';

/** PRODUCT.md, "Outbound spam policy": the recommended strict values. */
export const RECOMMENDED_LIMITS = { externalPerHour: 500, internalPerHour: 1000, perDay: 1000 } as const;
/** A spam score threshold above this never fires in practice: the verdict only tags. */
export const MAX_ENFORCING_SPAM_SCORE = 20;

function policies(facts: Facts) {
  return facts.once('outbound.policies', () => facts.inputs.outbound.policies());
}

/** Partial credit by share of sending policies (the default and every scoped one) that pass. */
function byPolicy(
  facts: Facts,
  passes: (policy: PolicyFacts) => boolean,
  describe: (policy: PolicyFacts) => Message,
): Promise<Measurement> {
  return withReading(policies(facts), (list) => {
    const failing = list.filter((policy) => !passes(policy));
    return coverage(
      list.length - failing.length,
      list.length,
      failing.length === 0
        ? list.length === 1
          ? finding('score.finding.policyPasses')
          : finding('score.finding.policiesPass', { count: list.length })
        : finding('score.finding.policiesFail', {
            bad: failing.length,
            total: list.length,
            policies: parts(failing.map(describe)),
          }),
      { policies: list.length, failing: failing.map((policy) => policy.name) },
    );
  });
}

export const mailFlowControls: ControlDefinition[] = [
  {
    id: 'mail-flow.outbound-limits',
    title: 'Outbound limits at or below the recommended values',
    category: 'mail-flow',
    maxPoints: 1,
    measuredBy: `Share of sending policies with at most ${RECOMMENDED_LIMITS.externalPerHour} external and ${RECOMMENDED_LIMITS.internalPerHour} internal recipients per hour and ${RECOMMENDED_LIMITS.perDay} per day.`,
    why: 'The limit is how much spam a phished account sends before it is stopped; high limits mean a blocklisted server before anyone notices.',
    fix: {
      cli: `npx mailwarden policy set <name> --external-per-hour ${RECOMMENDED_LIMITS.externalPerHour} --internal-per-hour ${RECOMMENDED_LIMITS.internalPerHour} --per-day ${RECOMMENDED_LIMITS.perDay}`,
      api: `PUT /api/v1/policies/{name} {"settings": {"externalPerHour": ${RECOMMENDED_LIMITS.externalPerHour}, "internalPerHour": ${RECOMMENDED_LIMITS.internalPerHour}, "perDay": ${RECOMMENDED_LIMITS.perDay}}}`,
    },
    measure: (facts) =>
      byPolicy(
        facts,
        (p) =>
          p.externalPerHour <= RECOMMENDED_LIMITS.externalPerHour &&
          p.internalPerHour <= RECOMMENDED_LIMITS.internalPerHour &&
          p.perDay <= RECOMMENDED_LIMITS.perDay,
        (p) =>
          finding('score.finding.policyLimits', {
            name: p.name,
            external: p.externalPerHour,
            internal: p.internalPerHour,
            perDay: p.perDay,
          }),
      ),
  },
  {
    id: 'mail-flow.restrict-on-limit',
    title: 'Restrict the sender when a limit is reached',
    category: 'mail-flow',
    maxPoints: 1,
    measuredBy: 'Share of sending policies whose action is restrict (until an admin releases).',
    why: '`alert` lets the spam go on; `restrict-today` lets it resume at midnight. Only `restrict` keeps a compromised account quiet until someone secured it.',
    fix: {
      cli: 'npx mailwarden policy set <name> --action restrict',
      api: 'PUT /api/v1/policies/{name} {"settings": {"action": "restrict"}}',
    },
    measure: (facts) =>
      byPolicy(
        facts,
        (p) => p.action === 'restrict',
        (p) => finding('score.finding.policyAction', { name: p.name, action: p.action }),
      ),
  },
  {
    id: 'mail-flow.admins-notified',
    title: 'Admins notified of restricted senders',
    category: 'mail-flow',
    maxPoints: 3,
    measuredBy:
      'At least one channel receives the "User restricted from sending email" alert: an enabled admin (email) or an active webhook.',
    why: 'A restriction nobody hears about leaves a user unable to send and a compromised account unexamined.',
    fix: {
      cli: 'npx mailwarden webhook add ops --url https://…   # or: npx mailwarden user add <address> --admin --password-stdin',
      api: 'POST /api/v1/webhooks {"name": "ops", "url": "https://…"}',
    },
    measure: (facts) =>
      withReading(
        facts.once('notify.channels', () => facts.inputs.notify.channels()),
        (channels) =>
          allOrNothing(
            channels.adminEmails + channels.activeWebhooks > 0,
            finding('score.finding.channels', {
              emails: channels.adminEmails,
              webhooks: channels.activeWebhooks,
            }),
            { ...channels },
          ),
      ),
  },
  {
    id: 'mail-flow.external-forwarding-off',
    title: 'Automatic external forwarding off',
    category: 'mail-flow',
    maxPoints: 5,
    measuredBy:
      'Share of sending policies with externalForwarding off or automatic (= off). Beside Dovecot (dovecot.doveadmUrl), a Sieve rule forwarding outside is deactivated under such a policy.',
    why: 'A forwarding rule to an outside address is the first thing an attacker sets up: it keeps copying mail out after the password was reset.',
    fix: {
      cli: 'npx mailwarden policy set <name> --external-forwarding off',
      api: 'PUT /api/v1/policies/{name} {"settings": {"externalForwarding": "off"}}',
    },
    measure: (facts) =>
      byPolicy(
        facts,
        (p) => p.externalForwarding !== 'on',
        (p) => finding('score.finding.policyForwarding', { name: p.name, value: p.externalForwarding }),
      ),
  },
  {
    id: 'mail-flow.submission-tls',
    title: 'TLS required for submission (no plaintext AUTH)',
    category: 'mail-flow',
    maxPoints: 5,
    measuredBy:
      'No listener takes AUTH without TLS: the STARTTLS listener refuses AUTH before STARTTLS (smtp.requireTls), the implicit-TLS one always has TLS.',
    why: 'A password sent before STARTTLS crosses the network in the clear; anyone on the path can read it.',
    fix: { cli: 'MAILWARDEN_SMTP_REQUIRE_TLS=true (config smtp.requireTls: true), then restart', api: null },
    measure: (facts) =>
      withReading(facts.inputs.config.submission(), (submission) => {
        const plaintext = submission.starttlsListener && !submission.requireTls;
        return allOrNothing(
          !plaintext,
          finding(plaintext ? 'score.finding.authBeforeTls' : 'score.finding.authNeedsTls'),
          { ...submission },
        );
      }),
  },
  {
    id: 'mail-flow.spam-enforced',
    title: 'Spam verdicts enforced (hold or reject)',
    category: 'mail-flow',
    maxPoints: 3,
    measuredBy: `Share of sending policies whose spam action holds or rejects at a score of at most ${MAX_ENFORCING_SPAM_SCORE}.`,
    why: 'Tagging outgoing spam still sends it, under your domain and IP reputation; holding it lets an admin look first.',
    fix: {
      cli: 'npx mailwarden policy set <name> --spam-action hold --spam-score 10',
      api: 'PUT /api/v1/policies/{name} {"settings": {"spamAction": "hold", "spamScore": 10}}',
    },
    measure: (facts) =>
      byPolicy(
        facts,
        (p) =>
          (p.spamAction === 'hold' || p.spamAction === 'reject') && p.spamScore <= MAX_ENFORCING_SPAM_SCORE,
        (p) =>
          finding('score.finding.policySpam', { name: p.name, action: p.spamAction, score: p.spamScore }),
      ),
  },
  {
    id: 'mail-flow.quarantine-reviewed',
    title: 'Held messages reviewed within 7 days',
    category: 'mail-flow',
    maxPoints: 2,
    measuredBy: 'Share of messages held in quarantine that were held less than 7 days ago: partial credit.',
    why: 'A held message is either spam from a compromised account (investigate it) or a legitimate message someone is waiting for.',
    fix: {
      cli: 'npx mailwarden quarantine list; npx mailwarden quarantine release <id> (or delete <id>)',
      api: 'GET /api/v1/quarantine?status=held',
    },
    measure: (facts) =>
      withReading(facts.inputs.outbound.heldMessages(facts.nowMs - 7 * DAY_MS), (held) =>
        coverage(
          held.held - held.stale,
          held.held,
          held.held === 0
            ? finding('score.finding.noHeld')
            : finding('score.finding.heldWaiting', { stale: held.stale, total: held.held }),
          { ...held },
        ),
      ),
  },
];
