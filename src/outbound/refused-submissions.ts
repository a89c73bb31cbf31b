import type { AuditLog, AuditRecordInput } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';

/**
 * Repeats of one refusal within this time after the first are one audit record, with their count
 * and first and last time: a spam run answered thousands of times a minute is a handful of records.
 */
export const REFUSAL_WINDOW_MS = 60_000;
/** Open groups kept at most; past it the oldest is written at once (memory stays bounded). */
export const MAX_OPEN_REFUSAL_GROUPS = 10_000;
/** Addresses, sessions and ids listed in one grouped record; the count is always complete. */
const MAX_LISTED = 100;

/** One refused (or held) submission, as the adapter that answered it saw it. */
export interface RefusedSubmission {
  /** The signed-in account that tried to send (its primary address). */
  mailbox: string;
  /** SendAs when the envelope sender was not the account's primary address. */
  operation: 'Send' | 'SendAs';
  /** The adapter: `smtp` (the gateway) or `postfix` (the policy service). */
  protocol: 'smtp' | 'postfix';
  /** What was refused, by its outcome name: sender-not-allowed, hourly-limit-reached, held, … */
  refusal: string;
  /** The reply's code and enhanced status, e.g. `550 5.1.90` (`250` for a held message). */
  reply: string;
  /** The reply's text, or why the message was held. */
  reason: string;
  /** The envelope sender the client gave. */
  from: string;
  /** The refused recipient (at RCPT), or the message's recipients (at DATA). */
  recipients?: readonly string[];
  clientIp?: string | null;
  clientInfo?: string | null;
  sessionId?: string | null;
  subject?: string | null;
  messageId?: string | null;
  quarantineId?: string | null;
}

interface OpenGroup {
  first: RefusedSubmission;
  count: number;
  firstAtMs: number;
  lastAtMs: number;
  recipients: Set<string>;
  sessions: Set<string>;
  messageIds: Set<string>;
  quarantineIds: Set<string>;
  timer: ReturnType<typeof setTimeout>;
}

export interface RefusedSubmissionsDeps {
  audit: Pick<AuditLog, 'append'>;
  clock: Clock;
  logger?: Logger;
  windowMs?: number;
}

/**
 * The audit trail of refused submissions (PRODUCT.md: every refused submission is a failure in the
 * mailbox audit log, grouped when a burst repeats). A refusal joins the open group of the same
 * account, operation, protocol, refusal, reply, client IP and envelope sender; the group is written
 * as one Send / SendAs record with result failure when its window ends, or when `flush` runs (a clean
 * shutdown). The record is appended like any other, so the chain stays append-only and verifiable;
 * what a crash loses is at most one window of refusals, never a record already written.
 */
export function createRefusedSubmissions(deps: RefusedSubmissionsDeps) {
  const windowMs = deps.windowMs ?? REFUSAL_WINDOW_MS;
  const open = new Map<string, OpenGroup>();
  const writing = new Set<Promise<void>>();

  const close = (key: string): void => {
    const group = open.get(key);
    if (!group) return;
    open.delete(key);
    clearTimeout(group.timer);
    const written = deps.audit.append(toRecord(group)).catch((error: unknown) => {
      deps.logger?.error('refused submission audit record not written', {
        error,
        mailbox: group.first.mailbox,
        refusal: group.first.refusal,
        count: group.count,
      });
    });
    writing.add(written);
    void written.finally(() => writing.delete(written));
  };

  return {
    /** Counts the refusal in its group; never throws and never waits (the reply goes out at once). */
    record(refused: RefusedSubmission): void {
      const now = deps.clock.nowMs();
      const key = [
        refused.mailbox,
        refused.operation,
        refused.protocol,
        refused.refusal,
        refused.reply,
        refused.clientIp ?? '',
        refused.from.toLowerCase(),
      ].join('\n');
      let group = open.get(key);
      if (!group) {
        if (open.size >= MAX_OPEN_REFUSAL_GROUPS) {
          const oldest = open.keys().next().value;
          if (oldest !== undefined) close(oldest);
        }
        const timer = setTimeout(() => close(key), windowMs);
        // The window's end must not keep a finished process alive; flush() writes what is open.
        timer.unref();
        group = {
          first: refused,
          count: 0,
          firstAtMs: now,
          lastAtMs: now,
          recipients: new Set(),
          sessions: new Set(),
          messageIds: new Set(),
          quarantineIds: new Set(),
          timer,
        };
        open.set(key, group);
      }
      group.count += 1;
      group.lastAtMs = now;
      for (const recipient of refused.recipients ?? []) addListed(group.recipients, recipient);
      addListed(group.sessions, refused.sessionId);
      addListed(group.messageIds, refused.messageId);
      addListed(group.quarantineIds, refused.quarantineId);
    },
    /** Writes every open group now and waits until all written records are durable. */
    async flush(): Promise<void> {
      for (const key of [...open.keys()]) close(key);
      await Promise.all([...writing]);
    },
    openGroups: () => open.size,
  };
}

export type RefusedSubmissions = ReturnType<typeof createRefusedSubmissions>;

function addListed(listed: Set<string>, value: string | null | undefined): void {
  if (value && listed.size < MAX_LISTED) listed.add(value);
}

function toRecord(group: OpenGroup): AuditRecordInput {
  const first = group.first;
  return {
    operation: first.operation,
    result: 'failure',
    mailbox: first.mailbox,
    actor: first.mailbox,
    logonType: 'owner',
    clientIp: first.clientIp ?? null,
    protocol: first.protocol,
    clientInfo: first.clientInfo ?? null,
    sessionId: first.sessionId ?? null,
    messageId: first.messageId ?? null,
    subject: first.subject ?? null,
    details: {
      refusal: first.refusal,
      reply: first.reply,
      reason: first.reason,
      from: first.from,
      count: group.count,
      firstAt: new Date(group.firstAtMs).toISOString(),
      lastAt: new Date(group.lastAtMs).toISOString(),
      recipients: [...group.recipients],
      sessions: [...group.sessions],
      ...(group.messageIds.size > 0 ? { messageIds: [...group.messageIds] } : {}),
      ...(group.quarantineIds.size > 0 ? { quarantineIds: [...group.quarantineIds] } : {}),
    },
  };
}
