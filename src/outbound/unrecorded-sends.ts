import type { Alerts } from '../alerts/index.js';
import type { Store } from '../store/index.js';

export interface UnrecordedSend {
  mailbox: string;
  messageId: string | null;
  sessionId: string;
  clientIp: string | null;
  recipientCount: number;
  /** Why the record was refused (the database's error), for the admin who reads the alert. */
  error: string;
}

/**
 * Messages delivered without their Send record. The client still got 250 (refusing after delivery
 * would make it send the message twice), so the gap in the audit log is made visible instead: a
 * counter for /metrics (this process, since start) and the high-severity alert "Audit record could
 * not be written". When the database refused the record it may refuse the alert too: the counter
 * and the caller's log line do not depend on it.
 */
export function createUnrecordedSends(deps: { store: Store; alerts: Alerts }) {
  let count = 0;
  return {
    count: () => count,
    /** Counts at once; resolves once the alert is raised, rejects if it could not be. */
    async report(send: UnrecordedSend): Promise<void> {
      count += 1;
      const raised = await deps.store.writeTransaction(async (trx) => [
        await deps.alerts.raiseWithin(trx, {
          type: 'audit-record-unwritten',
          mailbox: send.mailbox,
          evidence: {
            operation: 'Send',
            messageId: send.messageId,
            sessionId: send.sessionId,
            clientIp: send.clientIp,
            recipientCount: send.recipientCount,
            error: send.error.slice(0, 500),
          },
        }),
      ]);
      deps.alerts.announce(raised);
    },
  };
}

export type UnrecordedSends = ReturnType<typeof createUnrecordedSends>;
