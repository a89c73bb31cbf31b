import type { AuditLog } from '../audit/index.js';
import type { Delivery } from '../delivery/index.js';
import type { Directory } from '../directory/index.js';
import type { Identity } from '../identity/index.js';
import type { SmtpRecorder } from '../metrics/index.js';
import type { MessageBudget, Outbound, SendJournal } from '../outbound/index.js';
import type { Logger } from '../runtime/logger.js';

/** What every SMTP stage may use; the composition root builds it once. */
export interface GatewayDeps {
  identity: Identity;
  directory: Directory;
  outbound: Outbound;
  audit: AuditLog;
  delivery: Delivery;
  logger: Logger;
  /** Sessions, replies by code and message outcomes (GET /metrics); none in some tests. */
  metrics?: SmtpRecorder;
  /**
   * This process's pre-relay journal (outbound/send-journal.ts): a note before each message is handed
   * to delivery, closed once its Send record committed. None in tests that build the gateway alone.
   */
  journal?: SendJournal;
  limits: {
    maxMessageBytes: number;
    maxRecipients: number;
    /** How long a delivered message's reply waits for its Send record while the database is away. */
    sendRecordWaitMs: number;
  };
}

/** What onAuth stores in session.user. */
export interface SessionUser {
  id: string;
  address: string;
  /**
   * The user's addresses (primary and aliases), read once at sign-in: MAIL FROM is checked against
   * them without a query per message. An alias removed meanwhile stays usable until the session ends.
   */
  addresses: ReadonlyMap<string, 'primary' | 'alias'>;
}

/** Per-transaction facts the stages hand to each other (kept on the session object). */
export interface TransactionState {
  senderKind: 'primary' | 'alias';
  /** The sender's sending budget for this message (outbound). */
  budget: MessageBudget;
  /** Set while DATA runs: the data stage then gives back what the message reserved, if unsent. */
  receiving: boolean;
}
