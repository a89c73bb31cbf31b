import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { AlertTable, Executor, Store } from '../store/index.js';
import {
  type Alert,
  type AlertSeverity,
  type AlertStatus,
  type AlertType,
  alertTypes,
} from './alert-types.js';

/** Repeats for the same account and type within this window join one alert (PRODUCT.md: grouped). */
export const DEFAULT_GROUPING_WINDOW_MS = 15 * 60_000;

export interface AlertsDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  groupingWindowMs?: number;
  /** Told about every new alert and every grouped repeat, after commit (notifications hook in here). */
  onRaised?: (alert: Alert, isNew: boolean) => void;
}

export interface RaiseAlertInput {
  type: AlertType;
  mailbox: string | null;
  evidence: Record<string, unknown>;
  /**
   * Joins only an open alert that started at or after this time: an account released from a
   * restriction starts a new episode, whose alerts must reach the admins as new ones.
   */
  groupsSinceMs?: number;
}

export type AlertUpdateOutcome =
  | { ok: true; alert: Alert }
  | { ok: false; code: 'alert-not-found' | 'invalid-status'; message: string };

export function createAlerts(deps: AlertsDeps) {
  const windowMs = deps.groupingWindowMs ?? DEFAULT_GROUPING_WINDOW_MS;

  /** Raises inside the caller's write transaction; returns the alert and whether it is new. */
  async function raiseWithin(
    trx: Executor,
    input: RaiseAlertInput,
  ): Promise<{ alert: Alert; isNew: boolean }> {
    const now = deps.clock.nowMs();
    let query = trx
      .selectFrom('alerts')
      .selectAll()
      .where('type', '=', input.type)
      .where('status', '!=', 'resolved')
      .where('last_at', '>=', now - windowMs);
    if (input.groupsSinceMs !== undefined) query = query.where('first_at', '>=', input.groupsSinceMs);
    query =
      input.mailbox === null
        ? query.where('mailbox', 'is', null)
        : query.where('mailbox', '=', input.mailbox);
    const open = await query.orderBy('last_at', 'desc').limit(1).executeTakeFirst();
    if (open) {
      const updated: AlertTable = {
        ...open,
        count: open.count + 1,
        last_at: now,
        evidence: JSON.stringify(input.evidence),
      };
      await trx
        .updateTable('alerts')
        .set({ count: updated.count, last_at: now, evidence: updated.evidence })
        .where('id', '=', open.id)
        .execute();
      return { alert: toAlert(updated), isNew: false };
    }
    const row: AlertTable = {
      id: randomUUID(),
      type: input.type,
      severity: alertTypes[input.type].severity,
      mailbox: input.mailbox,
      status: 'new',
      count: 1,
      first_at: now,
      last_at: now,
      evidence: JSON.stringify(input.evidence),
      updated_by: null,
    };
    await trx.insertInto('alerts').values(row).execute();
    return { alert: toAlert(row), isNew: true };
  }

  return {
    raiseWithin,
    /** Tells onRaised after the caller's transaction committed. */
    announce(raised: ReadonlyArray<{ alert: Alert; isNew: boolean }>): void {
      for (const { alert, isNew } of raised) deps.onRaised?.(alert, isNew);
    },
    async list(filter: { status?: AlertStatus; mailbox?: string; limit?: number } = {}): Promise<Alert[]> {
      let query = deps.store.db.selectFrom('alerts').selectAll();
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.mailbox) query = query.where('mailbox', '=', filter.mailbox.toLowerCase());
      const rows = await query
        .orderBy('last_at', 'desc')
        .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
        .execute();
      return rows.map(toAlert);
    },
    /**
     * How many alerts were raised since `sinceMs`, by severity, in quarter-hour slots (oldest first):
     * the alerts-per-day chart adds the slots up into days of the organization's time zone, which a
     * UTC day in SQL could not (every zone's offset is a whole number of quarter hours). Bounded by
     * the window and read through alerts_first_at (migration 022).
     */
    async raisedCounts(sinceMs: number): Promise<RaisedCount[]> {
      const rows = await deps.store.db
        .selectFrom('alerts')
        // A literal divisor: SQLite divides by a bound number as REAL (send-counters.ts).
        .select([
          sql<number | string>`first_at / ${sql.lit(SLOT_MS)}`.as('slot'),
          'severity',
          (eb) => eb.fn.countAll<number | string>().as('alerts'),
        ])
        .where('first_at', '>=', sinceMs)
        .groupBy([sql`first_at / ${sql.lit(SLOT_MS)}`, 'severity'])
        .orderBy('slot')
        .execute();
      return rows.map((row) => ({
        slotStartMs: Number(row.slot) * SLOT_MS,
        severity: row.severity,
        alerts: Number(row.alerts),
      }));
    },
    async get(id: string): Promise<Alert | null> {
      const row = await deps.store.db
        .selectFrom('alerts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toAlert(row) : null;
    },
    async setStatus(id: string, status: AlertStatus, actor: Actor): Promise<AlertUpdateOutcome> {
      if (status !== 'acknowledged' && status !== 'resolved')
        return { ok: false, code: 'invalid-status', message: 'an alert can be acknowledged or resolved' };
      return deps.store.writeTransaction(async (trx) => {
        const row = await trx.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) return { ok: false as const, code: 'alert-not-found' as const, message: `no alert ${id}` };
        await trx
          .updateTable('alerts')
          .set({ status, updated_by: actor.actor })
          .where('id', '=', id)
          .execute();
        await deps.audit.appendWithin(trx, [
          {
            operation: 'UpdateAlert',
            result: 'success',
            mailbox: row.mailbox,
            ...actor,
            details: { alertId: id, type: row.type, from: row.status, to: status },
          },
        ]);
        return { ok: true as const, alert: toAlert({ ...row, status, updated_by: actor.actor }) };
      });
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;

/** raisedCounts' slot: a quarter hour. */
const SLOT_MS = 15 * 60_000;

/** Alerts of one severity first raised in one quarter hour. */
export interface RaisedCount {
  slotStartMs: number;
  severity: AlertSeverity;
  alerts: number;
}

function toAlert(row: AlertTable): Alert {
  const type = row.type as AlertType;
  return {
    id: row.id,
    type,
    title: alertTypes[type]?.title ?? row.type,
    severity: row.severity,
    mailbox: row.mailbox,
    status: row.status,
    count: row.count,
    firstAt: new Date(row.first_at).toISOString(),
    lastAt: new Date(row.last_at).toISOString(),
    evidence: JSON.parse(row.evidence) as Record<string, unknown>,
    updatedBy: row.updated_by,
  };
}
