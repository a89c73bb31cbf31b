import type { Clock } from '../runtime/clock.js';
import type { Executor, Store } from '../store/index.js';
import { appendRecords, sealRecord } from './append-records.js';
import type { Actor, AuditOperation } from './events.js';
import { mailboxItemOperations } from './events.js';

export interface MailboxAuditSetting {
  mailbox: string;
  enabled: boolean;
  /** null: never changed (on by default). */
  changedAt: string | null;
  changedBy: string | null;
}

export type SetMailboxAuditOutcome =
  | { ok: true; setting: MailboxAuditSetting; changed: boolean }
  | { ok: false; code: 'mailbox-not-found'; message: string };

/** For Secure Score's "mailbox auditing for all" control: mailboxes of active users, and how many are audited. */
export interface MailboxAuditCoverage {
  total: number;
  audited: number;
}

/**
 * How long the writer keeps the list without reading it again. A change made anywhere is heard at once
 * (the change feed's `mailboxAudit` topic); this bounds a change missed while the feed was down.
 */
const SETTINGS_REFRESH_MS = 30_000;

/**
 * Per-mailbox auditing: on unless a row says otherwise. The writer keeps the few mailboxes with
 * auditing off in memory (refreshed every 30 s, at once after a change made by this process).
 */
export function createMailboxSettings(deps: {
  store: Store;
  clock: Clock;
  /**
   * How old the in-memory list may be before a keep() reads it again; 0: read in every transaction
   * (the ingest thread: a change made by the main thread must apply to its very next transaction).
   */
  refreshMs?: number;
}) {
  const refreshMs = deps.refreshMs ?? SETTINGS_REFRESH_MS;
  let disabled = new Set<string>();
  let loadedAtMs = Number.NEGATIVE_INFINITY;
  // A change made anywhere (another worker, another instance) makes the next keep() read the list.
  deps.store.changes.subscribe('mailboxAudit', () => {
    loadedAtMs = Number.NEGATIVE_INFINITY;
  });

  const refresh = async (executor: Executor) => {
    const rows = await executor
      .selectFrom('mailbox_audit_settings')
      .select('mailbox')
      .where('enabled', '=', 0)
      .execute();
    disabled = new Set(rows.map((row) => row.mailbox));
    loadedAtMs = deps.clock.nowMs();
  };

  return {
    /** The records that are kept: mailbox item operations on a mailbox with auditing off are not. */
    async keep<R extends { operation: AuditOperation; mailbox: string | null }>(
      executor: Executor,
      records: R[],
    ): Promise<R[]> {
      if (!records.some((record) => mailboxItemOperations.has(record.operation))) return records;
      if (refreshMs === 0 || deps.clock.nowMs() - loadedAtMs > refreshMs) await refresh(executor);
      if (disabled.size === 0) return records;
      return records.filter(
        ({ operation, mailbox }) =>
          !mailboxItemOperations.has(operation) || !mailbox || !disabled.has(mailbox.toLowerCase()),
      );
    },

    async set(mailbox: string, enabled: boolean, actor: Actor): Promise<SetMailboxAuditOutcome> {
      const address = mailbox.trim().toLowerCase();
      const outcome = await deps.store.writeTransaction(async (trx) => {
        const user = await trx
          .selectFrom('users')
          .select('address')
          .where('address', '=', address)
          .executeTakeFirst();
        if (!user) return null;
        const current = await trx
          .selectFrom('mailbox_audit_settings')
          .selectAll()
          .where('mailbox', '=', address)
          .executeTakeFirst();
        const wasEnabled = current ? current.enabled === 1 : true;
        if (wasEnabled === enabled) return { setting: toSetting(address, current), changed: false };
        const now = deps.clock.nowMs();
        const row = { mailbox: address, enabled: enabled ? 1 : 0, changed_at: now, changed_by: actor.actor };
        await trx
          .insertInto('mailbox_audit_settings')
          .values(row)
          .onConflict((oc) =>
            oc
              .column('mailbox')
              .doUpdateSet({ enabled: row.enabled, changed_at: now, changed_by: actor.actor }),
          )
          .execute();
        // Other instances' and workers' writers read the list again at their next record (cluster.ts).
        await deps.store.changes.announce(trx, 'mailboxAudit');
        await appendRecords(deps.store, trx, [
          sealRecord({
            timeMs: now,
            input: {
              operation: enabled ? 'EnableMailboxAudit' : 'DisableMailboxAudit',
              result: 'success',
              mailbox: address,
              ...actor,
            },
          }),
        ]);
        return { setting: toSetting(address, row), changed: true };
      });
      if (!outcome) return { ok: false, code: 'mailbox-not-found', message: `no mailbox ${address}` };
      if (outcome.changed) {
        if (enabled) disabled.delete(address);
        else disabled.add(address);
      }
      return { ok: true, ...outcome };
    },

    async get(mailbox: string): Promise<MailboxAuditSetting> {
      const address = mailbox.trim().toLowerCase();
      const row = await deps.store.db
        .selectFrom('mailbox_audit_settings')
        .selectAll()
        .where('mailbox', '=', address)
        .executeTakeFirst();
      return toSetting(address, row);
    },

    /** Mailboxes with auditing off, oldest change first. */
    async listDisabled(): Promise<MailboxAuditSetting[]> {
      const rows = await deps.store.db
        .selectFrom('mailbox_audit_settings')
        .selectAll()
        .where('enabled', '=', 0)
        .orderBy('changed_at')
        .execute();
      return rows.map((row) => toSetting(row.mailbox, row));
    },

    async coverage(): Promise<MailboxAuditCoverage> {
      const row = await deps.store.db
        .selectFrom('users')
        .leftJoin('mailbox_audit_settings', 'mailbox_audit_settings.mailbox', 'users.address')
        .where('users.disabled_at', 'is', null)
        .select((eb) => [
          eb.fn.countAll<number | string>().as('total'),
          eb.fn
            .count<number | string>('mailbox_audit_settings.mailbox')
            .filterWhere('mailbox_audit_settings.enabled', '=', 0)
            .as('off'),
        ])
        .executeTakeFirstOrThrow();
      const total = Number(row.total);
      return { total, audited: total - Number(row.off) };
    },
  };
}

function toSetting(
  mailbox: string,
  row: { enabled: number; changed_at: number; changed_by: string } | undefined,
): MailboxAuditSetting {
  return {
    mailbox,
    enabled: row ? row.enabled === 1 : true,
    changedAt: row ? new Date(row.changed_at).toISOString() : null,
    changedBy: row?.changed_by ?? null,
  };
}
