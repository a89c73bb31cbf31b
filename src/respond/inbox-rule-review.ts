import type { Alert } from '../alerts/index.js';
import type { InboxRuleAccess } from './inbox-rule-access.js';
import { isSuspiciousFinding, judgeInboxRules } from './inbox-rules.js';
import type { InboxRuleChange, RespondDeps } from './respond-types.js';

type ReviewDeps = {
  deps: RespondDeps;
  rules: Pick<InboxRuleAccess, 'judgeContext' | 'readRules' | 'deactivateActiveScript'>;
};

/**
 * Detection (PRODUCT.md, "Alerts" and the playbook's symptoms): a rule that forwards outside the
 * organization raises "Forwarding rule to an external domain created", one that deletes, hides or
 * marks mail as read "Suspicious inbox rule created". A save and the activation that follows it join
 * one alert (grouped per account and type). A forwarding rule the sending policy does not allow is
 * stopped first (enforceForwardingPolicy), and the alert says so. Returns the alerts raised or grouped.
 */
export async function reviewInboxRuleChange(review: ReviewDeps, change: InboxRuleChange): Promise<Alert[]> {
  const { deps, rules } = review;
  const findings = judgeInboxRules(change.text, await rules.judgeContext());
  const forwarding = findings.filter((finding) => finding.kind === 'external-forwarding');
  const hiding = findings.filter(
    (finding) => isSuspiciousFinding(finding) && finding.kind !== 'external-forwarding',
  );
  if (forwarding.length === 0 && hiding.length === 0) return [];
  const forwardingTo = forwarding.map((finding) => finding.target);
  const user = await deps.directory.findUser(change.user);
  const mailbox = user?.address ?? change.user.toLowerCase();
  // A mailbox Mailwarden does not know has no sending policy to enforce.
  const enforced =
    user && forwarding.length > 0
      ? await enforceForwardingPolicy(review, user.address, change.script, forwardingTo)
      : null;
  const evidence = {
    script: change.script,
    action: change.action,
    changedBy: change.actor,
    findings: findings.map((finding) => finding.description),
    // The same findings to be told in each reader's language (the alert email and page).
    findingPhrases: findings.map((finding) => finding.phrase),
    forwardingTo,
    // The policy in force, whichever of a save and its activation deactivated the script.
    ...(enforced
      ? { sendingPolicy: enforced.sendingPolicy, externalForwarding: enforced.externalForwarding }
      : {}),
  };
  const raised = await deps.store.writeTransaction(async (trx) => [
    ...(forwarding.length > 0
      ? [await deps.alerts.raiseWithin(trx, { type: 'external-forwarding-rule', mailbox, evidence })]
      : []),
    ...(hiding.length > 0
      ? [await deps.alerts.raiseWithin(trx, { type: 'suspicious-inbox-rule', mailbox, evidence })]
      : []),
  ]);
  deps.alerts.announce(raised);
  return raised.map((entry) => entry.alert);
}

/**
 * Enforcement of the sending policy's `externalForwarding` (PRODUCT.md: `off`, `on`, `automatic` =
 * off): when it is not `on` for the mailbox, a rule forwarding outside the organization that runs
 * (in the active script, or one it includes) is stopped by deactivating the active script, as soon
 * as Dovecot reports it. A saved script that is not active forwards nothing and is left alone until
 * it is activated. Returns the policy in force and whether this call deactivated the script.
 */
async function enforceForwardingPolicy(
  { deps, rules }: ReviewDeps,
  address: string,
  script: string,
  forwardingTo: readonly (string | null)[],
): Promise<{ sendingPolicy: string; externalForwarding: string; deactivated: boolean } | null> {
  const policy = await deps.outbound.effectivePolicy(address);
  if (!policy) return null;
  const verdict = { sendingPolicy: policy.name, externalForwarding: policy.settings.externalForwarding };
  const mailServer = deps.mailServer;
  if (!mailServer || policy.settings.externalForwarding === 'on') return { ...verdict, deactivated: false };
  const read = await rules.readRules(mailServer, address);
  const running =
    read.ok &&
    read.scripts.some((entry) => entry.name === script && (entry.active || entry.includedByActive));
  const active = read.ok ? read.scripts.find((entry) => entry.active) : undefined;
  if (!running || !active) return { ...verdict, deactivated: false };
  const done = await rules.deactivateActiveScript(
    mailServer,
    address,
    active.name,
    { actor: 'system', logonType: 'system' },
    {
      reason: forwardingOffReason(policy.settings.externalForwarding, policy.name),
      policy: policy.name,
      forwardingRemoved: [...forwardingTo],
    },
  );
  return { ...verdict, deactivated: done.ok };
}

/** Why the forwarding enforcement stopped a rule: `external forwarding is off (automatic) in the sending policy "default"`. */
function forwardingOffReason(setting: string, policy: string): string {
  const how = setting === 'off' ? 'off' : `off (${setting})`;
  return `external forwarding is ${how} in the sending policy ${JSON.stringify(policy)}`;
}
