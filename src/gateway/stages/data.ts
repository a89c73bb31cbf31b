import { randomUUID } from 'node:crypto';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AlsoWithin, AuditRecordInput } from '../../audit/index.js';
import {
  type JournalNote,
  type Judgement,
  type MessageSummary,
  summarizeMessage,
} from '../../outbound/index.js';
import { acceptedReply, replyError, upstreamRefusalError } from '../../smtp-status/index.js';
import type { GatewayDeps, SessionUser, TransactionState } from '../gateway-deps.js';
import { recordSubmission, refuseSubmission } from '../refusal-records.js';

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
    deps.metrics?.message('held');
    recordSubmission(deps, session, facts, {
      refusal: 'held',
      reply: '250',
      reason: `held in quarantine as spam (score ${judgement.verdict.score})`,
      quarantineId: judgement.quarantineId,
    });
    return acceptedReply(judgement.quarantineId);
  }
  if (judgement.action === 'reject') {
    deps.metrics?.message('rejected');
    throw refuseSubmission(deps, session, 'spam-rejected', facts);
  }

  // The id in the client's 250, kept in the Send record so that an admin can find the message by it;
  // also the id of its note in the pre-relay journal.
  const queuedAs = randomUUID();
  noteBeforeDelivery(deps, session, state, {
    id: queuedAs,
    operation: state.senderKind === 'alias' ? 'SendAs' : 'Send',
    mailbox: user.address,
    from,
    recipients: to,
    messageId: summary.messageId,
    subject: summary.subject,
    sizeBytes: raw.length,
  });
  try {
    return await deliverAndRecord(deps, session, state, {
      user,
      from,
      to,
      raw,
      summary,
      judgement,
      queuedAs,
    });
  } finally {
    // The outcome is committed (or given up on, logged and alerted): the note is no longer needed.
    if (deps.journal && !deps.journal.close(queuedAs))
      deps.logger.warn('send journal note not closed (the next start skips it: its record exists)', {
        session: session.id,
        queuedAs,
      });
  }
}

/**
 * The pre-relay journal's note (outbound/send-journal.ts): written before the message is handed to
 * delivery, so that a process killed before its Send record commits leaves a trace the next start
 * turns into a record. A journal that cannot be written (a full disk) refuses the message with a
 * 4xx before it leaves: the client keeps it and retries, and no message leaves unaccounted for.
 */
function noteBeforeDelivery(
  deps: GatewayDeps,
  session: SMTPServerSession,
  state: TransactionState,
  message: Pick<
    JournalNote,
    'id' | 'operation' | 'mailbox' | 'from' | 'recipients' | 'messageId' | 'subject' | 'sizeBytes'
  >,
): void {
  const journal = deps.journal;
  if (!journal) return;
  try {
    journal.note({
      ...message,
      ...state.budget.journalFacts(),
      atMs: Date.now(),
      worker: journal.worker,
      clientIp: session.remoteAddress,
      clientInfo: session.hostNameAppearsAs ? `ehlo:${session.hostNameAppearsAs}` : null,
      sessionId: session.id,
    });
  } catch (error) {
    deps.logger.error('send journal not written: message deferred', { error, session: session.id });
    throw replyError('local-error');
  }
}

interface ReceivedMessage {
  user: SessionUser;
  from: string;
  to: string[];
  raw: Buffer;
  summary: MessageSummary;
  judgement: Judgement;
  queuedAs: string;
}

/** Hands the message to delivery, commits its Send record (and count), and gives the reply. */
async function deliverAndRecord(
  deps: GatewayDeps,
  session: SMTPServerSession,
  state: TransactionState,
  { user, from, to, raw, summary, judgement, queuedAs }: ReceivedMessage,
): Promise<string> {
  const outcome = await deps.delivery.deliver({ from, to, raw });
  deps.metrics?.message(
    !outcome.ok ? 'failed' : deps.delivery.describe().startsWith('spool:') ? 'spooled' : 'relayed',
  );

  const record: AuditRecordInput = {
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
        ? {
            delivery: outcome.detail,
            queuedAs,
            refusedRecipients: outcome.refusedRecipients.map((r) => r.address),
          }
        : // The journal's id of the message (its note), so that a restart knows it was recorded.
          { failure: outcome.kind, upstream: outcome.message, journalId: queuedAs }),
      policy: state.budget.policy.name,
      policyVersion: state.budget.policy.version,
      spamScore: judgement.verdict.score,
      spamFindings: judgement.verdict.findings.map((finding) => finding.name),
      ...(judgement.verdict.external ? { spamEngine: judgement.verdict.external } : {}),
    },
  };
  // A delivered message counts toward the sender's windows in the same transaction as its record,
  // and waits for that record (see recordDeliveredSend); a failed one is recorded once, as it is.
  if (outcome.ok) {
    const recordFailure = await recordDeliveredSend(
      deps,
      record,
      state.budget.recordDeliveredWithin,
      session.id,
    );
    if (recordFailure)
      // Not awaited: the alert needs the database that just failed, and the client waits for nothing.
      deps.outbound.unrecordedSends
        .report({
          mailbox: user.address,
          messageId: summary.messageId,
          sessionId: session.id,
          clientIp: session.remoteAddress,
          recipientCount: to.length,
          error: recordFailure.message,
        })
        .catch((error: unknown) =>
          deps.logger.error('alert for an unwritten Send record not raised', { error, session: session.id }),
        );
  } else
    await deps.audit.append(record).catch((error: unknown) => {
      deps.logger.error('Send audit record not written', {
        error,
        session: session.id,
        messageId: summary.messageId,
      });
    });

  if (!outcome.ok) {
    deps.logger.warn('message not delivered', {
      session: session.id,
      kind: outcome.kind,
      upstream: outcome.message,
    });
    if (outcome.kind === 'permanent') throw upstreamRefusalError(outcome.responseCode, outcome.message);
    throw replyError('upstream-unavailable');
  }
  // The message is delivered: refusing now would make the client send it twice. A record that could
  // not be written in time is logged, counted and alerted above instead.
  return acceptedReply(queuedAs);
}

/**
 * The record of a delivered message, committed before the client hears 250. The message has left
 * already, so a refusal now would make the client send it twice: while the database is away (a
 * restart, a failover, a full disk) the record is retried and the client waits, up to
 * limits.sendRecordWaitMs (below the socket timeout, after which smtp-server would hang up on the
 * client). Only past that does the client get its 250 without the record, logged as an error; the
 * last error is returned so that the gap is alerted and counted.
 */
async function recordDeliveredSend(
  deps: GatewayDeps,
  record: AuditRecordInput,
  alsoWithin: AlsoWithin,
  sessionId: string,
): Promise<Error | null> {
  const deadline = Date.now() + deps.limits.sendRecordWaitMs;
  for (let attempt = 1, delayMs = 100; ; attempt++, delayMs = Math.min(delayMs * 2, 2000)) {
    try {
      await deps.audit.append(record, alsoWithin);
      if (attempt > 1)
        deps.logger.info('Send audit record written after the database came back', {
          session: sessionId,
          attempt,
        });
      return null;
    } catch (error) {
      const context = { error, session: sessionId, messageId: record.messageId };
      if (Date.now() + delayMs > deadline) {
        deps.logger.error(
          'Send audit record not written; the client got 250 for a delivered message',
          context,
        );
        return error instanceof Error ? error : new Error(String(error));
      }
      if (attempt === 1) deps.logger.warn('Send audit record waits for the database', context);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
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
