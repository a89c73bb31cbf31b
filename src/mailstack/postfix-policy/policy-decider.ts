import type { AuditLog } from '../../audit/index.js';
import type { Directory } from '../../directory/index.js';
import type { MessageBudget, Outbound, OutboundFailureCode, SubmittingUser } from '../../outbound/index.js';
import type { Clock } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/logger.js';
import type { OrgSettingsService } from '../../settings/index.js';
import type { AwaitingContent } from '../milter/awaiting-content.js';
import { PendingMessages } from './pending-messages.js';
import {
  type PolicyOnError,
  type PostfixActionName,
  postfixActions,
  undecidedAction,
} from './postfix-actions.js';

export interface PolicyDeciderDeps {
  directory: Pick<Directory, 'findLoginRow' | 'addressesOf'>;
  outbound: Pick<Outbound, 'beginMessage' | 'beginUnknownLoginMessage' | 'refusals'>;
  settings: Pick<OrgSettingsService, 'get'>;
  audit: Pick<AuditLog, 'append'>;
  clock: Clock;
  logger: Logger;
}

export interface PolicyDeciderOptions {
  onError: PolicyOnError;
  /** The gateway's smtp.maxMessageBytes, so both ways in have one size limit. */
  maxMessageBytes: number;
  pendingTtlMs: number;
  maxPendingMessages: number;
  /**
   * Set when the milter runs: END-OF-MESSAGE hands the counted message to it (by queue id), and the
   * Send record is written after the content verdict (milter/awaiting-content.ts).
   */
  awaitingContent?: AwaitingContent;
}

/** The policy_context of a submission service whose smtpd_milters include Mailwarden's milter. */
export const MILTER_CONTEXT = 'mailwarden-milter';

/** Recipient addresses kept in a Send record (as at the gateway); the count is always complete. */
const MAX_AUDITED_RECIPIENTS = 100;

type PendingMessage =
  /** Refused before the first recipient (restricted, rate): every RCPT gets the same answer. */
  | { kind: 'refused'; action: PostfixActionName }
  | {
      kind: 'counting';
      user: SubmittingUser;
      /** unknown-login: Postfix authenticated a login that is no user of ours (policy.unknownSender). */
      senderKind: 'primary' | 'alias' | 'unknown-login';
      budget: MessageBudget;
      recipients: string[];
    };

/**
 * The outbound policy for mail submitted through Postfix, one request at a time: the same
 * MessageBudget the gateway uses, begun at a message's first RCPT (Postfix asks at RCPT, and
 * `smtpd_delay_reject` puts MAIL FROM checks there too), each recipient checked against it, and
 * at END-OF-MESSAGE the Send record written with the budget's counters in one transaction.
 */
export function createPolicyDecider(deps: PolicyDeciderDeps, options: PolicyDeciderOptions) {
  /** A message that will not reach END-OF-MESSAGE here gives back the recipients it reserved. */
  const giveBack = async (message: PendingMessage | undefined): Promise<void> => {
    if (message?.kind !== 'counting') return;
    await message.budget
      .giveBack()
      .catch((error: unknown) => deps.logger.warn('reserved recipients not given back', { error }));
  };
  const pending = new PendingMessages<PendingMessage>({
    ttlMs: options.pendingTtlMs,
    maxEntries: options.maxPendingMessages,
    nowMs: () => deps.clock.nowMs(),
    onDrop: (message) => void giveBack(message as PendingMessage),
  });
  const undecided = undecidedAction(options.onError);

  /** The refusal in the audit trail of refused submissions (grouped per burst in outbound). */
  const recordRefusal = (
    request: PolicyRequestView,
    refused: { mailbox: string; senderKind: 'primary' | 'alias' | null; action: PostfixActionName },
  ): PostfixActionName => {
    const answer = postfixActions[refused.action];
    const [code = '', status = ''] = answer.split(' ', 2);
    const helo = request.attributes.get('helo_name');
    deps.outbound.refusals.record({
      mailbox: refused.mailbox,
      operation: refused.senderKind === 'primary' ? 'Send' : 'SendAs',
      protocol: 'postfix',
      refusal: refused.action,
      reply: `${code} ${status}`,
      reason: answer.slice(code.length + status.length + 2),
      from: request.attributes.get('sender') ?? '',
      recipients: request.recipient === '' ? [] : [request.recipient],
      clientIp: request.attributes.get('client_address') || null,
      clientInfo: helo ? `ehlo:${helo}` : null,
      sessionId: request.instance,
    });
    return refused.action;
  };

  /**
   * An authenticated login that Mailwarden does not know must not escape every limit (it would, were
   * it let through uncounted): by policy.unknownSender it is refused, or counted under the default
   * policy with an alert. Its envelope sender cannot be checked against addresses it has none of.
   */
  const beginUnknownLoginMessage = async (request: PolicyRequestView): Promise<PendingMessage> => {
    const login = request.login.trim().toLowerCase();
    const refuse = (action: PostfixActionName): PendingMessage => ({
      kind: 'refused',
      action: recordRefusal(request, { mailbox: login, senderKind: 'primary', action }),
    });
    deps.logger.warn('postfix policy request from a login that is no Mailwarden user', { login });
    if ((await deps.settings.get('policy.unknownSender')) === 'refuse') return refuse('unknown-sender');
    const begun = await deps.outbound.beginUnknownLoginMessage(login, {
      clientIp: request.attributes.get('client_address') || null,
    });
    if (!begun.ok) return refuse(toActionName(begun.code));
    return {
      kind: 'counting',
      user: begun.budget.user,
      senderKind: 'unknown-login',
      budget: begun.budget,
      recipients: [],
    };
  };

  const beginMessage = async (request: PolicyRequestView): Promise<PendingMessage> => {
    const row = await deps.directory.findLoginRow(request.login);
    if (!row) return beginUnknownLoginMessage(request);
    const mailbox = row.address;
    const refuse = (senderKind: 'primary' | 'alias' | null, action: PostfixActionName): PendingMessage => ({
      kind: 'refused',
      action: recordRefusal(request, { mailbox, senderKind, action }),
    });

    // The same rule as the gateway's MAIL FROM: the envelope sender is one of the user's addresses.
    const sender = request.attributes.get('sender') ?? '';
    const senderKind = (await deps.directory.addressesOf(row.id)).get(sender.trim().toLowerCase()) ?? null;
    if (row.disabled_at !== null) return refuse(senderKind, 'account-disabled');
    if (!senderKind) return refuse(null, 'sender-not-allowed');
    const user = { id: row.id, address: row.address };
    const begun = await deps.outbound.beginMessage(user);
    if (!begun.ok) return refuse(senderKind, toActionName(begun.code));
    return { kind: 'counting', user, senderKind, budget: begun.budget, recipients: [] };
  };

  const atRecipient = async (request: PolicyRequestView): Promise<PostfixActionName> => {
    if ((request.size ?? 0) > options.maxMessageBytes) return 'message-too-big';
    let message = pending.get(request.key);
    if (!message) {
      message = await beginMessage(request);
      pending.set(request.key, message);
    }
    if (message.kind === 'refused') return message.action;
    if (request.recipient === '') return 'allowed';
    const outcome = await message.budget.checkRecipient(request.recipient);
    if (!outcome.ok)
      return recordRefusal(request, {
        mailbox: message.user.address,
        senderKind: message.senderKind === 'unknown-login' ? 'primary' : message.senderKind,
        action: toActionName(outcome.code),
      });
    if (message.recipients.length < MAX_AUDITED_RECIPIENTS) message.recipients.push(request.recipient);
    return 'allowed';
  };

  const atEndOfMessage = async (request: PolicyRequestView): Promise<PostfixActionName> => {
    const message = pending.take(request.key);
    if ((request.size ?? 0) > options.maxMessageBytes) {
      await giveBack(message);
      return 'message-too-big';
    }
    if (!message) {
      // Expired, evicted, or Mailwarden restarted between RCPT and here: this message is not counted.
      deps.logger.warn('postfix end-of-message without a recipient decision; not counted', {
        login: request.login,
        instance: request.instance,
      });
      return 'allowed';
    }
    if (message.kind === 'refused') return message.action;
    // A limit reached at one RCPT refuses the whole message, not only that recipient (as at the gateway).
    if (message.budget.blocked) {
      await giveBack(message);
      return toActionName(message.budget.blocked.code);
    }
    const attributes = request.attributes;
    const recipientCount = Number(attributes.get('recipient_count')) || message.budget.recipientCount;
    const helo = attributes.get('helo_name');
    const queueId = attributes.get('queue_id') ?? '';
    // Only a submission service that says it runs Mailwarden's milter too (policy_context in
    // master.cf) hands off: elsewhere no content verdict would come, and the record must not wait.
    const withMilter = (attributes.get('policy_context') ?? '').split(/[\s,]+/).includes(MILTER_CONTEXT);
    if (options.awaitingContent && withMilter && queueId !== '') {
      options.awaitingContent.hand({
        user: message.user,
        senderKind: message.senderKind,
        budget: message.budget,
        recipients: message.recipients,
        recipientCount,
        from: attributes.get('sender') ?? '',
        sizeBytes: request.size,
        clientIp: attributes.get('client_address') || null,
        helo: helo || null,
        instance: request.instance,
        queueId,
      });
      return 'allowed';
    }
    await deps.audit.append(
      {
        operation: message.senderKind === 'alias' ? 'SendAs' : 'Send',
        result: 'success',
        mailbox: message.user.address,
        actor: message.user.address,
        logonType: 'owner',
        clientIp: attributes.get('client_address') || null,
        protocol: 'postfix',
        clientInfo: helo ? `ehlo:${helo}` : null,
        sessionId: request.instance,
        details: {
          from: attributes.get('sender') ?? '',
          recipientCount,
          recipients: message.recipients,
          sizeBytes: request.size,
          via: 'postfix',
          queueId: attributes.get('queue_id') || null,
          policy: message.budget.policy.name,
          policyVersion: message.budget.policy.version,
          ...(message.senderKind === 'unknown-login' ? { unknownLogin: true } : {}),
        },
      },
      // Counted toward the sender's windows in the same transaction as the record.
      message.budget.recordDeliveredWithin,
    );
    return 'allowed';
  };

  return {
    /** Never rejects: what cannot be decided gets the policy.onError answer, and is logged. */
    async decide(attributes: ReadonlyMap<string, string>): Promise<PostfixActionName> {
      if (attributes.get('request') !== 'smtpd_access_policy') {
        deps.logger.warn('postfix policy request of an unknown kind', {
          request: attributes.get('request')?.slice(0, 100) ?? null,
        });
        return undecided;
      }
      const login = attributes.get('sasl_username') ?? '';
      // Without SASL the client is not a submitting user of ours (port 25, or mynetworks).
      if (login === '') return 'allowed';
      const state = attributes.get('protocol_state');
      if (state !== 'RCPT' && state !== 'END-OF-MESSAGE') return 'allowed';
      const instance = attributes.get('instance') ?? '';
      if (instance === '') {
        deps.logger.warn('postfix policy request without instance', { login, state });
        return undecided;
      }
      const sizeText = attributes.get('size') ?? '';
      const request: PolicyRequestView = {
        attributes,
        login,
        instance,
        key: pendingMessageKey(attributes),
        recipient: attributes.get('recipient') ?? '',
        size: /^\d{1,15}$/.test(sizeText) ? Number(sizeText) : null,
      };
      try {
        const action = state === 'RCPT' ? await atRecipient(request) : await atEndOfMessage(request);
        if (action !== 'allowed')
          deps.logger.info('postfix policy refusal', { login, instance, state, action });
        return action;
      } catch (error) {
        deps.logger.error('postfix policy request could not be decided', { error, login, instance, state });
        return undecided;
      }
    },
    pendingMessages: () => pending.size,
    /**
     * The message of `key` is over on Postfix's side without an END-OF-MESSAGE here (the policy
     * connection moved on to another instance, or closed): aborted, so its reservation goes back.
     */
    abandon: (key: string): Promise<void> => giveBack(pending.take(key)),
  };
}

/**
 * The message a request is about: its MAIL transaction (`instance`) and login. Names and values
 * never contain a newline (SMTPD_POLICY_README): a safe separator.
 */
export function pendingMessageKey(attributes: ReadonlyMap<string, string>): string {
  return `${attributes.get('instance') ?? ''}\n${attributes.get('sasl_username') ?? ''}`;
}

export type PolicyDecider = ReturnType<typeof createPolicyDecider>;

interface PolicyRequestView {
  attributes: ReadonlyMap<string, string>;
  login: string;
  instance: string;
  key: string;
  recipient: string;
  size: number | null;
}

function toActionName(code: OutboundFailureCode): PostfixActionName {
  switch (code) {
    case 'sender-restricted':
    case 'rate-limited':
    case 'too-many-recipients':
    case 'hourly-limit-reached':
    case 'daily-limit-reached':
      return code;
    default:
      throw new Error(`outbound answered ${code}, which has no Postfix action`);
  }
}
