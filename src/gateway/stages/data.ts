import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { GatewayDeps, SessionUser, TransactionState } from '../gateway-deps.js';
import { summarizeMessage } from '../message-headers.js';
import { recordSubmission, refuseSubmission } from '../refusal-records.js';
import { replyError, upstreamRefusalError } from '../replies.js';

/** Recipient addresses kept in a Send record; the count is always complete. */
const MAX_AUDITED_RECIPIENTS = 100;

/**
 * DATA: take the whole message, score it (outbound spam verdict: relay, hold or reject), hand it to
 * delivery (upstream relay or spool), and answer 250 only once delivery said it has the message;
 * the Send / SendAs record is committed before the reply.
 */
export async function receiveMessage(
  deps: GatewayDeps,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  state: TransactionState | undefined,
): Promise<string> {
  const raw = await readMessage(stream);
  const user = session.user as SessionUser | undefined;
  if (!user || !state) throw replyError('local-error');
  if (stream.sizeExceeded || raw === null) throw replyError('message-too-big');
  // A limit reached at one RCPT refuses the whole message, not only that recipient.
  const blocked = state.budget.blocked;
  if (blocked?.code === 'daily-limit-reached' || blocked?.code === 'hourly-limit-reached')
    throw replyError(blocked.code);

  const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const to = session.envelope.rcptTo.map((recipient) => recipient.address);
  const summary = summarizeMessage(raw);
  const judgement = await state.budget.judge({
    raw,
    envelopeFrom: from,
    recipients: to,
    subject: summary.subject,
    messageId: summary.messageId,
    clientIp: session.remoteAddress,
    sessionId: session.id,
  });
  // A held message is the organization's responsibility now (quarantine): the client gets 250 and
  // an attacker learns nothing; a rejected one is refused outright. Both are in the sender's trail.
  const facts = {
    senderKind: state.senderKind,
    from,
    recipients: to,
    subject: summary.subject,
    messageId: summary.messageId,
  };
  if (judgement.action === 'hold') {
    recordSubmission(deps, session, facts, {
      refusal: 'held',
      reply: '250',
      reason: `held in quarantine as spam (score ${judgement.verdict.score})`,
      quarantineId: judgement.quarantineId,
    });
    return `Ok: queued as ${judgement.quarantineId}`;
  }
  if (judgement.action === 'reject') throw refuseSubmission(deps, session, 'spam-rejected', facts);

  const outcome = await deps.delivery.deliver({ from, to, raw });

  const auditResult = await deps.audit
    .append(
      {
        operation: state.senderKind === 'alias' ? 'SendAs' : 'Send',
        result: outcome.ok ? 'success' : 'failure',
        mailbox: user.address,
        actor: user.address,
        logonType: 'owner',
        clientIp: session.remoteAddress,
        protocol: 'smtp',
        clientInfo: session.hostNameAppearsAs ? `ehlo:${session.hostNameAppearsAs}` : null,
        sessionId: session.id,
        messageId: summary.messageId,
        subject: summary.subject,
        details: {
          from,
          recipientCount: to.length,
          recipients: to.slice(0, MAX_AUDITED_RECIPIENTS),
          sizeBytes: raw.length,
          ...(outcome.ok
            ? { delivery: outcome.detail, refusedRecipients: outcome.refusedRecipients.map((r) => r.address) }
            : { failure: outcome.kind, upstream: outcome.message }),
          policy: state.budget.policy.name,
          policyVersion: state.budget.policy.version,
          spamScore: judgement.verdict.score,
          spamFindings: judgement.verdict.findings.map((finding) => finding.name),
        },
      },
      // A delivered message counts toward the sender's windows in the same transaction as its record.
      outcome.ok ? state.budget.recordDeliveredWithin : undefined,
    )
    .then(
      () => true,
      (error: unknown) => {
        deps.logger.error('Send audit record not written', {
          error,
          session: session.id,
          messageId: summary.messageId,
        });
        return false;
      },
    );

  if (!outcome.ok) {
    deps.logger.warn('message not delivered', {
      session: session.id,
      kind: outcome.kind,
      upstream: outcome.message,
    });
    if (outcome.kind === 'permanent') throw upstreamRefusalError(outcome.responseCode, outcome.message);
    throw replyError('upstream-unavailable', outcome.message.slice(0, 200));
  }
  // The message is delivered: refusing now would make the client send it twice. A missing audit
  // record is logged loudly above instead.
  void auditResult;
  return `Ok: ${outcome.detail}`;
}

/** The message bytes, or null once it grew past the size limit (the rest is drained, not kept). */
function readMessage(stream: SMTPServerDataStream): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.once('end', () => resolve(stream.sizeExceeded ? null : Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}
