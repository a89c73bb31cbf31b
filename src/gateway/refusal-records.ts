import type { SMTPServerSession } from 'smtp-server';
import type { RefusedSubmission } from '../outbound/index.js';
import { replyError, type SmtpReplyName, smtpReplies } from '../smtp-status/index.js';
import type { GatewayDeps, SessionUser } from './gateway-deps.js';

/** What a stage knows about the refused submission beyond the session. */
export interface RefusalFacts {
  senderKind: 'primary' | 'alias' | null;
  from: string;
  recipients?: readonly string[];
  subject?: string | null;
  messageId?: string | null;
}

/**
 * The refusal's reply, after recording it in the audit trail of refused submissions (grouped per
 * burst in outbound): an investigator sees what a signed-in account tried and was refused, and when.
 */
export function refuseSubmission(
  deps: GatewayDeps,
  session: SMTPServerSession,
  name: SmtpReplyName,
  facts: RefusalFacts,
): Error & { responseCode: number } {
  const reply = smtpReplies[name];
  recordSubmission(deps, session, facts, {
    refusal: name,
    reply: `${reply.code} ${reply.status}`,
    reason: reply.text,
  });
  return replyError(name);
}

/** Records a submission that was not sent on although it was answered (a held message: 250). */
export function recordSubmission(
  deps: GatewayDeps,
  session: SMTPServerSession,
  facts: RefusalFacts,
  outcome: Pick<RefusedSubmission, 'refusal' | 'reply' | 'reason'> & { quarantineId?: string },
): void {
  const user = session.user as SessionUser | undefined;
  if (!user) return;
  deps.outbound.refusals.record({
    mailbox: user.address,
    // A sender that is not one of the account's addresses is an attempt to send as someone else.
    operation: facts.senderKind === 'primary' ? 'Send' : 'SendAs',
    protocol: 'smtp',
    ...outcome,
    from: facts.from,
    recipients: facts.recipients ?? [],
    clientIp: session.remoteAddress,
    clientInfo: session.hostNameAppearsAs ? `ehlo:${session.hostNameAppearsAs}` : null,
    sessionId: session.id,
    subject: facts.subject ?? null,
    messageId: facts.messageId ?? null,
  });
}
