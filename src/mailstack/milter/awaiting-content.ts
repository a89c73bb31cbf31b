import type { MessageBudget, SubmittingUser } from '../../outbound/index.js';

/**
 * A message the policy service counted (RCPT) and let through END-OF-MESSAGE, waiting for its
 * content verdict. Postfix asks the policy service at END-OF-MESSAGE before cleanup(8) hands the
 * content to the milter, so with the milter on the Send record waits here for the verdict: one
 * budget per message from the first RCPT to the content, and no Send record for a message the
 * verdict held or refused. Keyed by Postfix's queue id (`queue_id` there, the `i` macro here).
 */
export interface MessageAwaitingContent {
  user: SubmittingUser;
  senderKind: 'primary' | 'alias' | 'unknown-login';
  budget: MessageBudget;
  /** The audited recipients (at most 100) and the complete count. */
  recipients: string[];
  recipientCount: number;
  from: string;
  sizeBytes: number | null;
  clientIp: string | null;
  helo: string | null;
  /** The policy request's `instance`: the session id of the message's records. */
  instance: string;
  queueId: string;
}

export interface AwaitingContentOptions {
  /** Above Postfix's milter_content_timeout (300 s): past it, the content is not coming. */
  ttlMs: number;
  maxEntries: number;
  nowMs(): number;
}

export class AwaitingContent {
  /** Insertion order is age order. */
  private readonly entries = new Map<string, { value: MessageAwaitingContent; expiresAtMs: number }>();
  /** Messages whose content never came (see sweep), since start. */
  expired = 0;

  constructor(private readonly options: AwaitingContentOptions) {}

  get size(): number {
    return this.entries.size;
  }

  hand(message: MessageAwaitingContent): void {
    // The oldest leaves first when full: it is also the likeliest to be abandoned.
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      this.expired += 1;
    }
    this.entries.set(message.queueId, {
      value: message,
      expiresAtMs: this.options.nowMs() + this.options.ttlMs,
    });
  }

  take(queueId: string): MessageAwaitingContent | undefined {
    const entry = this.entries.get(queueId);
    this.entries.delete(queueId);
    return entry?.value;
  }

  /**
   * The messages whose content never reached the milter: Postfix has no smtpd_milters for them (a
   * configuration mismatch) or gave up on the milter (milter_default_action). Whether Postfix then
   * sent them is unknown here, so they are returned to be logged, not recorded as sent.
   */
  sweep(): MessageAwaitingContent[] {
    const now = this.options.nowMs();
    const gone: MessageAwaitingContent[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs > now) break;
      this.entries.delete(key);
      gone.push(entry.value);
    }
    this.expired += gone.length;
    return gone;
  }
}
