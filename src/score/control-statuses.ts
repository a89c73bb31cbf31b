import type { Actor, AuditLog } from '../audit/index.js';
import type { Executor, ScoreControlStatusTable, Store } from '../store/index.js';

/**
 * Statuses an admin sets (PRODUCT.md, Secure Score): risk accepted earns 0 points, resolved by a third
 * party or alternate mitigation the full points. `measured` removes the admin's status again.
 */
export type OverrideStatus = ScoreControlStatusTable['status'];
export const overrideStatuses: readonly OverrideStatus[] = [
  'risk-accepted',
  'third-party',
  'alternate-mitigation',
];
export type SettableStatus = OverrideStatus | 'measured';
export const settableStatuses: readonly SettableStatus[] = [...overrideStatuses, 'measured'];

export interface ControlOverride {
  status: OverrideStatus;
  reason: string;
  setBy: string;
  setAt: string;
}

export async function readOverrides(db: Executor): Promise<Map<string, ControlOverride>> {
  const rows = await db.selectFrom('score_control_statuses').selectAll().execute();
  return new Map(rows.map((row) => [row.control_id, toOverride(row)]));
}

function toOverride(row: ScoreControlStatusTable): ControlOverride {
  return {
    status: row.status,
    reason: row.reason,
    setBy: row.set_by,
    setAt: new Date(row.set_at).toISOString(),
  };
}

/** Writes (or clears) the status and its SetScoreControlStatus record in one transaction. */
export async function writeOverride(
  deps: { store: Store; audit: AuditLog; nowMs: number },
  controlId: string,
  status: SettableStatus,
  reason: string,
  actor: Actor,
): Promise<ControlOverride | null> {
  return deps.store.writeTransaction(async (trx) => {
    const previous = await trx
      .selectFrom('score_control_statuses')
      .select('status')
      .where('control_id', '=', controlId)
      .executeTakeFirst();
    let written: ControlOverride | null = null;
    if (status === 'measured') {
      await trx.deleteFrom('score_control_statuses').where('control_id', '=', controlId).execute();
    } else {
      const row: ScoreControlStatusTable = {
        control_id: controlId,
        status,
        reason,
        set_by: actor.actor,
        set_at: deps.nowMs,
      };
      await trx
        .insertInto('score_control_statuses')
        .values(row)
        .onConflict((conflict) =>
          conflict
            .column('control_id')
            .doUpdateSet({ status, reason, set_by: actor.actor, set_at: deps.nowMs }),
        )
        .execute();
      written = toOverride(row);
    }
    await deps.audit.appendWithin(trx, [
      {
        operation: 'SetScoreControlStatus',
        result: 'success',
        actor: actor.actor,
        logonType: actor.logonType,
        clientIp: actor.clientIp ?? null,
        clientInfo: actor.clientInfo ?? null,
        protocol: actor.protocol ?? null,
        details: { control: controlId, status, previous: previous?.status ?? 'measured', reason },
      },
    ]);
    return written;
  });
}
