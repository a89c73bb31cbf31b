import type { Alerts } from '../alerts/index.js';
import type { AuditLog, HeadCheck } from '../audit/index.js';
import type { Logger } from '../runtime/logger.js';
import type { Store } from '../store/index.js';

/**
 * One anchoring step (the server's timer, and a CLI process that wrote records as it closes): first
 * the database's head is compared with the newest anchor; a head that moved backwards raises a high
 * alert and is recorded in the audit log, in one transaction. Then the head, with that record, is
 * anchored, so a cut is reported once rather than at every step, and verify keeps naming it.
 */
export async function anchorAuditHead(
  deps: { audit: AuditLog; alerts: Alerts; store: Store; logger: Logger },
  request: { ensureAppendOnly?: boolean } = {},
): Promise<HeadCheck> {
  const check = await deps.audit.anchors.checkHead();
  if (!check.ok) {
    const evidence = {
      anchoredHeadId: check.anchor.headId,
      anchoredHeadHash: check.anchor.headHash,
      anchoredAt: new Date(check.anchor.atMs).toISOString(),
      headId: check.head?.id ?? null,
      headHash: check.head?.hash ?? null,
      firstMissingId: check.firstMissingId,
      detail: check.detail,
    };
    deps.logger.error('the audit log head moved backwards: records were cut from its end', evidence);
    const raised = await deps.store.writeTransaction(async (trx) => {
      const alert = await deps.alerts.raiseWithin(trx, { type: 'audit-log-cut', mailbox: null, evidence });
      await deps.audit.appendWithin(trx, [
        {
          operation: 'DetectAuditLogCut',
          result: 'success',
          actor: 'system',
          logonType: 'system',
          details: evidence,
        },
      ]);
      return alert;
    });
    deps.alerts.announce([raised]);
  }
  await deps.audit.anchors.anchorHead(request);
  return check;
}
