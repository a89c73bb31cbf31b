import { randomUUID } from 'node:crypto';
import type { Alerts } from '../alerts/index.js';
import type { AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Store } from '../store/index.js';
import { type ExternalSpamCheck, externalEvidence, externalFindings } from './external-spam-check.js';
import { holdMessage } from './quarantine.js';
import { findActiveRestriction, gatherEvidence, insertRestriction } from './restrictions.js';
import { recordSend, type SendWindows } from './send-counters.js';
import type { SenderHistory } from './sender-history.js';
import type { SendingPolicy } from './sending-policies.js';
import { analyzeMessage, scoreFindings, type Verdict } from './spam/index.js';

export interface JudgementDeps {
  store: Store;
  audit: AuditLog;
  alerts: Alerts;
  clock: Clock;
  senderHistory: SenderHistory;
  orgDomains: readonly string[];
  /** The site's spam engine (spam.rspamdUrl), asked about every message besides the analysers. */
  externalSpamCheck?: ExternalSpamCheck;
}

/** The account a message is judged for: who, under which policy, with its windows from MAIL FROM. */
export interface JudgedAccount {
  user: { id: string; address: string };
  policy: SendingPolicy;
  windows: SendWindows;
}

export interface MessageToJudge {
  raw: Buffer;
  envelopeFrom: string;
  recipients: string[];
  subject: string | null;
  messageId: string | null;
  clientIp: string | null;
  sessionId: string | null;
}

/** What happens to a message after its spam verdict. */
export type Judgement =
  | { action: 'relay'; verdict: Verdict }
  | { action: 'hold'; verdict: Verdict; quarantineId: string; restricted: boolean }
  | { action: 'reject'; verdict: Verdict; restricted: boolean };

/**
 * Scores the message with the policy's weights. A spam verdict (hold or reject) is recorded with
 * its findings and the policy version, counts toward the sender's spam window, and reaching
 * spamVerdictsToRestrict within it restricts the sender; fewer raise the early warning.
 */
export async function judgeMessage(
  deps: JudgementDeps,
  account: JudgedAccount,
  message: MessageToJudge,
): Promise<Judgement> {
  const settings = account.policy.settings;
  const now = deps.clock.nowMs();
  const sender = await deps.senderHistory.contextFor({
    user: account.user,
    orgDomains: deps.orgDomains,
    recipientsThisHour: account.windows.externalThisHour + account.windows.internalThisHour,
    clientIp: message.clientIp,
    sessionId: message.sessionId,
  });
  const findings = analyzeMessage({
    raw: message.raw,
    envelopeFrom: message.envelopeFrom,
    recipients: message.recipients,
    sender,
  });
  const external = deps.externalSpamCheck
    ? await deps.externalSpamCheck.check({
        raw: message.raw,
        envelopeFrom: message.envelopeFrom,
        recipients: message.recipients,
        clientIp: message.clientIp,
        user: account.user.address,
        queueId: message.sessionId,
      })
    : null;
  const scored = scoreFindings(
    external ? [...findings, ...externalFindings(external)] : findings,
    settings.spamWeights,
    { spamScore: settings.spamScore, spamAction: settings.spamAction },
  );
  // Both kept as evidence: Mailwarden's findings (Rspamd's among them) and Rspamd's own answer.
  const verdict: Verdict = external ? { ...scored, external: externalEvidence(external) } : scored;
  if (verdict.action === 'relay') return { action: 'relay', verdict };

  const restrict = account.windows.spamVerdictsInWindow + 1 >= settings.spamVerdictsToRestrict;
  const counts = {
    spamVerdicts: account.windows.spamVerdictsInWindow + 1,
    limit: settings.spamVerdictsToRestrict,
    windowMinutes: settings.spamWindowMinutes,
  };
  const evidence = restrict
    ? await gatherEvidence(
        deps.audit,
        account.user.address,
        { nowMs: now, restartedAtMs: account.windows.restartedAtMs },
        counts,
        account.policy.version,
      )
    : null;
  const quarantineId = randomUUID();
  // A release closes the episode: what comes after it is a new alert, not a repeat of the old one.
  const groupsSinceMs = account.windows.restartedAtMs ?? undefined;
  const raised = await deps.store.writeTransaction(async (trx) => {
    if (verdict.action === 'hold') {
      await holdMessage(trx, {
        id: quarantineId,
        user_id: account.user.id,
        mailbox: account.user.address,
        sender: message.envelopeFrom,
        recipients: JSON.stringify(message.recipients),
        raw: message.raw,
        size: message.raw.length,
        subject: message.subject,
        message_id: message.messageId,
        score: verdict.score,
        findings: JSON.stringify(verdict.findings),
        policy_name: account.policy.name,
        policy_version: account.policy.version,
        created_at: now,
        status: 'held',
        decided_by: null,
        decided_at: null,
      });
    }
    await deps.audit.appendWithin(trx, [
      {
        operation: 'SpamVerdict',
        result: 'success',
        mailbox: account.user.address,
        actor: 'system',
        logonType: 'system',
        clientIp: message.clientIp,
        sessionId: message.sessionId,
        subject: message.subject,
        messageId: message.messageId,
        details: {
          action: verdict.action,
          score: verdict.score,
          threshold: settings.spamScore,
          findings: verdict.findings,
          ...(verdict.external ? { spamEngine: verdict.external } : {}),
          policy: account.policy.name,
          policyVersion: account.policy.version,
          recipientCount: message.recipients.length,
          quarantineId: verdict.action === 'hold' ? quarantineId : null,
        },
      },
    ]);
    await recordSend(trx, account.user.id, now, {
      messages: 0,
      internalRecipients: 0,
      externalRecipients: 0,
      spamVerdicts: 1,
    });
    const alertEvidence = {
      reason: 'spam-verdicts',
      ...counts,
      score: verdict.score,
      subject: message.subject,
    };
    if (restrict && evidence && !(await findActiveRestriction(trx, account.user.id, now))) {
      await insertRestriction(trx, deps.audit, {
        userId: account.user.id,
        mailbox: account.user.address,
        reason: 'spam-verdicts',
        policyName: account.policy.name,
        action: settings.action === 'alert' ? 'restrict' : settings.action,
        nowMs: now,
        evidence,
      });
      return [
        await deps.alerts.raiseWithin(trx, {
          type: 'user-restricted',
          mailbox: account.user.address,
          groupsSinceMs,
          evidence: { ...alertEvidence, ...evidence },
        }),
      ];
    }
    return [
      await deps.alerts.raiseWithin(trx, {
        type: 'suspicious-sending',
        mailbox: account.user.address,
        groupsSinceMs,
        evidence: alertEvidence,
      }),
    ];
  });
  deps.alerts.announce(raised);
  return verdict.action === 'hold'
    ? { action: 'hold', verdict, quarantineId, restricted: restrict }
    : { action: 'reject', verdict, restricted: restrict };
}
