import type { AuditRecordInput } from '../../audit/index.js';
import type { OutboundFailureCode } from '../../outbound/index.js';
import { summarizeMessage } from '../../outbound/index.js';
import { type SmtpReplyName, smtpReplies } from '../../smtp-status/index.js';
import { postfixActions } from '../postfix-policy/postfix-actions.js';
import type { MessageAwaitingContent } from './awaiting-content.js';
import type { MilterReply } from './milter-codec.js';
import type { MilterDeps } from './milter-deps.js';

/** What Postfix told the milter about one message, at its end. */
export interface SubmittedContent {
  /** The SASL login (`{auth_authen}`); empty when the client did not sign in. */
  login: string;
  /** Postfix's queue id (`i`), the key of the policy service's hand-off. */
  queueId: string;
  clientIp: string | null;
  helo: string | null;
  envelopeFrom: string;
  recipients: string[];
  /** The message as Postfix will queue it; null when it grew past the size limit. */
  raw: Buffer | null;
}

/** Recipient addresses kept in a Send record (as at the gateway); the count is always complete. */
const MAX_AUDITED_RECIPIENTS = 100;

const accept: MilterReply = { kind: 'accept' };

/** The gateway's reply, word for word, as a milter reply (SMFIR_REPLYCODE). */
export function gatewayReply(name: SmtpReplyName): MilterReply {
  const reply = smtpReplies[name];
  return { kind: 'replycode', code: reply.code, status: reply.status, text: reply.text };
}

/**
 * The outbound verdict on a message's content, for mail submitted through Postfix: the same
 * MessageBudget.judge the gateway's DATA stage calls (spam score, quarantine, spam window,
 * restriction, alerts, SpamVerdict record), then the same outcomes: relayed (Send record with the
 * budget's counters), held (Postfix answers 250 and discards; the copy is in Mailwarden's
 * quarantine) or refused with the gateway's 554 5.7.1.
 */
export function createContentCheck(deps: MilterDeps) {
  const refuse = (
    message: Pick<MessageAwaitingContent, 'user' | 'senderKind' | 'from' | 'clientIp' | 'helo' | 'instance'>,
    name: SmtpReplyName,
    facts: { recipients: readonly string[]; subject?: string | null; messageId?: string | null },
  ): MilterReply => {
    const reply = smtpReplies[name];
    deps.outbound.refusals.record({
      mailbox: message.user.address,
      operation: message.senderKind === 'alias' ? 'SendAs' : 'Send',
      protocol: 'postfix',
      refusal: name,
      reply: `${reply.code} ${reply.status}`,
      reason: reply.text,
      from: message.from,
      recipients: facts.recipients,
      clientIp: message.clientIp,
      clientInfo: message.helo ? `ehlo:${message.helo}` : null,
      sessionId: message.instance,
      subject: facts.subject ?? null,
      messageId: facts.messageId ?? null,
    });
    return gatewayReply(name);
  };

  /**
   * Without the policy service's hand-off (it is not in Postfix's restrictions, or Mailwarden
   * restarted between END-OF-MESSAGE and the content) the milter checks the sender and the budget
   * itself, as the gateway's MAIL FROM and RCPT stages do.
   */
  const beginHere = async (content: SubmittedContent): Promise<MessageAwaitingContent | MilterReply> => {
    const row = await deps.directory.findLoginRow(content.login);
    if (!row) {
      deps.logger.warn('milter: a login that is no Mailwarden user; left to the policy service', {
        login: content.login,
        queueId: content.queueId,
      });
      return accept;
    }
    const base = {
      user: { id: row.id, address: row.address },
      from: content.envelopeFrom,
      clientIp: content.clientIp,
      helo: content.helo,
      instance: content.queueId,
    };
    if (row.disabled_at !== null) {
      const [code = '', status = ''] = postfixActions['account-disabled'].split(' ', 2);
      return {
        kind: 'replycode',
        code: Number(code),
        status,
        text: postfixActions['account-disabled'].slice(code.length + status.length + 2),
      };
    }
    const senderKind =
      (await deps.directory.addressesOf(row.id)).get(content.envelopeFrom.trim().toLowerCase()) ?? null;
    if (!senderKind)
      return refuse({ ...base, senderKind: 'primary' }, 'sender-not-allowed', {
        recipients: content.recipients,
      });
    const begun = await deps.outbound.beginMessage(base.user);
    if (!begun.ok)
      return refuse({ ...base, senderKind }, replyFor(begun.code), { recipients: content.recipients });
    for (const recipient of content.recipients) {
      const checked = await begun.budget.checkRecipient(recipient);
      if (!checked.ok)
        return refuse({ ...base, senderKind }, replyFor(checked.code), { recipients: [recipient] });
    }
    return {
      ...base,
      senderKind,
      budget: begun.budget,
      recipients: content.recipients.slice(0, MAX_AUDITED_RECIPIENTS),
      recipientCount: content.recipients.length,
      sizeBytes: content.raw?.length ?? null,
      queueId: content.queueId,
    };
  };

  return async function check(content: SubmittedContent): Promise<MilterReply> {
    // Without a login the client is not a submitting user of ours (as in the policy service).
    if (content.login === '') return accept;
    const handed = content.queueId === '' ? undefined : deps.awaitingContent.take(content.queueId);
    if (content.raw === null) return gatewayReply('message-too-big');
    const raw = content.raw;
    const begun = handed ?? (await beginHere(content));
    if (!('budget' in begun)) return begun;
    const message = begun;
    const summary = summarizeMessage(raw);
    const facts = { recipients: content.recipients, subject: summary.subject, messageId: summary.messageId };
    // A limit reached at one RCPT refuses the whole message (as at the gateway).
    const blocked = message.budget.blocked?.code;
    if (blocked === 'daily-limit-reached' || blocked === 'hourly-limit-reached')
      return refuse(message, blocked, facts);

    // A login that is no Mailwarden user has no account to hold mail for or to restrict: its
    // message is counted and recorded as the policy service would, without a content verdict.
    const judgement =
      message.senderKind === 'unknown-login'
        ? null
        : await message.budget.judge({
            raw,
            envelopeFrom: message.from,
            recipients: content.recipients,
            subject: summary.subject,
            messageId: summary.messageId,
            clientIp: message.clientIp,
            sessionId: message.instance,
          });
    if (judgement?.action === 'hold') {
      deps.outbound.refusals.record({
        mailbox: message.user.address,
        operation: message.senderKind === 'alias' ? 'SendAs' : 'Send',
        protocol: 'postfix',
        refusal: 'held',
        reply: '250',
        reason: `held in quarantine as spam (score ${judgement.verdict.score})`,
        quarantineId: judgement.quarantineId,
        from: message.from,
        recipients: content.recipients,
        clientIp: message.clientIp,
        clientInfo: message.helo ? `ehlo:${message.helo}` : null,
        sessionId: message.instance,
        subject: summary.subject,
        messageId: summary.messageId,
      });
      // Postfix answers 250 and drops its copy: the client cannot tell held from relayed.
      deps.metrics?.message('held');
      return { kind: 'discard' };
    }
    if (judgement?.action === 'reject') {
      deps.metrics?.message('rejected');
      return refuse(message, 'spam-rejected', facts);
    }

    const record: AuditRecordInput = {
      operation: message.senderKind === 'alias' ? 'SendAs' : 'Send',
      result: 'success',
      mailbox: message.user.address,
      actor: message.user.address,
      logonType: 'owner',
      clientIp: message.clientIp,
      protocol: 'postfix',
      clientInfo: message.helo ? `ehlo:${message.helo}` : null,
      sessionId: message.instance,
      messageId: summary.messageId,
      subject: summary.subject,
      details: {
        from: message.from,
        recipientCount: message.recipientCount,
        recipients: message.recipients,
        sizeBytes: message.sizeBytes ?? raw.length,
        via: 'postfix',
        queueId: message.queueId,
        policy: message.budget.policy.name,
        policyVersion: message.budget.policy.version,
        ...(judgement
          ? {
              spamScore: judgement.verdict.score,
              spamFindings: judgement.verdict.findings.map((finding) => finding.name),
              ...(judgement.verdict.external ? { spamEngine: judgement.verdict.external } : {}),
            }
          : { unknownLogin: true }),
      },
    };
    // Postfix keeps the message until this answer: a record that cannot be written refuses it
    // (451, the client tries again), so no message leaves unrecorded.
    await deps.audit.append(record, message.budget.recordDeliveredWithin);
    deps.metrics?.message('passed');
    return accept;
  };
}

export type ContentCheck = ReturnType<typeof createContentCheck>;

function replyFor(code: OutboundFailureCode): SmtpReplyName {
  switch (code) {
    case 'sender-restricted':
    case 'rate-limited':
    case 'too-many-recipients':
    case 'hourly-limit-reached':
    case 'daily-limit-reached':
      return code;
    default:
      return 'local-error';
  }
}
