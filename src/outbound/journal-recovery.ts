import type { AuditLog, AuditRecordInput } from '../audit/index.js';
import type { Logger } from '../runtime/logger.js';
import type { Store } from '../store/index.js';
import { recordSend } from './send-counters.js';
import type { JournalNote } from './send-journal.js';
import { dropReservation } from './send-reservations.js';

/** Recipient addresses kept in a Send record; the count is always complete (as the gateway's). */
const MAX_AUDITED_RECIPIENTS = 100;

/** What a recovered record says happened, for the admin who reads it. */
export const UNKNOWN_OUTCOME =
  'handed to delivery; the process ended before the outcome was recorded and before the client was told (the client will likely send it again)';

/**
 * A Send record for a message whose note an ended process left open. Its result is success with
 * `outcome: 'unknown'`: the message was handed to the relay (or spool) and may well have left, so it
 * counts as sent — toward the limits and in the sender's history — erring, like a reservation, toward
 * the limit rather than past it.
 */
export function toRecoveredRecord(note: JournalNote): AuditRecordInput {
  return {
    operation: note.operation,
    result: 'success',
    mailbox: note.mailbox,
    actor: note.mailbox,
    logonType: 'owner',
    clientIp: note.clientIp,
    protocol: 'smtp',
    clientInfo: note.clientInfo,
    sessionId: note.sessionId,
    messageId: note.messageId,
    subject: note.subject,
    details: {
      from: note.from,
      recipientCount: note.recipients.length,
      recipients: note.recipients.slice(0, MAX_AUDITED_RECIPIENTS),
      sizeBytes: note.sizeBytes,
      outcome: 'unknown',
      delivery: UNKNOWN_OUTCOME,
      queuedAs: note.id,
      handedAt: new Date(note.atMs).toISOString(),
      worker: note.worker,
      policy: note.policy,
      policyVersion: note.policyVersion,
    },
  };
}

export interface RecoveryDeps {
  store: Store;
  audit: AuditLog;
  logger: Logger;
}

/**
 * Turns open notes into Send records, one transaction each: the record, the message's count in the
 * sender's windows (at the minute it was handed over) and the removal of its reservation, together —
 * so the recipients are counted exactly once whether the reservation was still live, expired or
 * pruned. The copy the client sends again is a second message that left, counted and recorded as
 * its own.
 *
 * A note whose message did get its Send record (the process ended between that commit and the
 * closing line, or its closing line could not be written) is skipped: the records of its mailbox
 * since it was written are read once, by `queuedAs` (or `journalId`, for a message the relay did not
 * take). So a start that is itself killed midway can run again without writing a record twice.
 */
export async function recoverJournalNotes(
  deps: RecoveryDeps,
  notes: readonly JournalNote[],
): Promise<number> {
  const recorded = await recordedIds(deps.audit, notes);
  let recovered = 0;
  for (const note of notes) {
    if (recorded.has(note.id)) continue;
    await deps.store.writeTransaction(async (trx) => {
      await deps.audit.appendWithin(trx, [toRecoveredRecord(note)]);
      await recordSend(trx, note.userId, note.atMs, {
        messages: 1,
        internalRecipients: note.internalRecipients,
        externalRecipients: note.externalRecipients,
        spamVerdicts: 0,
      });
      await dropReservation(trx, note.reservationId);
    });
    recovered += 1;
    deps.logger.warn(
      'message handed to delivery before the process ended: Send record with outcome unknown',
      {
        queuedAs: note.id,
        mailbox: note.mailbox,
        messageId: note.messageId,
        recipients: note.recipients.length,
        handedAt: new Date(note.atMs).toISOString(),
        worker: note.worker,
      },
    );
  }
  return recovered;
}

/** The journal ids of every Send/SendAs record of the notes' mailboxes since their first note. */
async function recordedIds(audit: AuditLog, notes: readonly JournalNote[]): Promise<Set<string>> {
  const since = new Map<string, number>();
  for (const note of notes)
    since.set(note.mailbox, Math.min(since.get(note.mailbox) ?? note.atMs, note.atMs));
  const ids = new Set<string>();
  for (const [mailbox, sinceMs] of since) {
    // A second's margin: the record's time is taken after the note's, but clocks step.
    for await (const record of audit.export({
      mailbox,
      operations: ['Send', 'SendAs'],
      sinceMs: sinceMs - 1000,
    })) {
      // A delivered message's record carries its id as queuedAs, a failed one's as journalId.
      for (const key of ['queuedAs', 'journalId']) {
        const id = record.details?.[key];
        if (typeof id === 'string') ids.add(id);
      }
    }
  }
  return ids;
}
