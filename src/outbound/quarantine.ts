import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Executor, QuarantineTable, Store } from '../store/index.js';
import { type OutboundFailure, outboundFailure } from './outbound.outcomes.js';

/** What a held message can be released through (the gateway's delivery: relay or spool). */
export interface HeldMessageSender {
  deliver(message: {
    from: string;
    to: readonly string[];
    raw: Buffer;
  }): Promise<{ ok: true; detail: string } | { ok: false; kind: 'temporary' | 'permanent'; message: string }>;
}

export interface QuarantinedMessage {
  id: string;
  mailbox: string;
  sender: string;
  recipients: string[];
  size: number;
  subject: string | null;
  messageId: string | null;
  score: number;
  findings: Array<{ name: string; weight: number; detail: string }>;
  policy: { name: string; version: number };
  heldAt: string;
  status: 'held' | 'released' | 'deleted';
  decidedBy: string | null;
  decidedAt: string | null;
}

export async function holdMessage(trx: Executor, row: QuarantineTable): Promise<void> {
  await trx.insertInto('quarantine').values(row).execute();
}

interface QuarantineDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
}

export function createQuarantine(deps: QuarantineDeps) {
  const columns = [
    'id',
    'mailbox',
    'sender',
    'recipients',
    'size',
    'subject',
    'message_id',
    'score',
    'findings',
    'policy_name',
    'policy_version',
    'created_at',
    'status',
    'decided_by',
    'decided_at',
  ] as const;
  return {
    async list(filter: { status?: QuarantinedMessage['status']; mailbox?: string; limit?: number } = {}) {
      let query = deps.store.db.selectFrom('quarantine').select(columns);
      if (filter.status) query = query.where('status', '=', filter.status);
      if (filter.mailbox) query = query.where('mailbox', '=', filter.mailbox.toLowerCase());
      const rows = await query
        .orderBy('created_at', 'desc')
        .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
        .execute();
      return rows.map(toQuarantinedMessage);
    },
    async get(id: string): Promise<(QuarantinedMessage & { raw: Buffer }) | null> {
      const row = await deps.store.db
        .selectFrom('quarantine')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? { ...toQuarantinedMessage(row), raw: Buffer.from(row.raw) } : null;
    },
    /** Delivers a held message as it was submitted, then marks it released (audited). */
    async release(
      id: string,
      sender: HeldMessageSender,
      actor: Actor,
    ): Promise<{ ok: true; message: QuarantinedMessage } | OutboundFailure> {
      const held = await findHeld(id);
      if (!held.ok) return held;
      const delivered = await sender.deliver({
        from: held.row.sender,
        to: JSON.parse(held.row.recipients) as string[],
        raw: Buffer.from(held.row.raw),
      });
      if (!delivered.ok) return outboundFailure('release-failed', `not delivered: ${delivered.message}`);
      return decide(held.row, 'released', actor, { delivery: delivered.detail });
    },
    async remove(
      id: string,
      actor: Actor,
    ): Promise<{ ok: true; message: QuarantinedMessage } | OutboundFailure> {
      const held = await findHeld(id);
      return held.ok ? decide(held.row, 'deleted', actor, {}) : held;
    },
  };

  async function findHeld(id: string): Promise<{ ok: true; row: QuarantineTable } | OutboundFailure> {
    const row = await deps.store.db
      .selectFrom('quarantine')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return outboundFailure('message-not-found', `no quarantined message ${id}`);
    if (row.status !== 'held')
      return outboundFailure('message-not-held', `message ${id} is already ${row.status}`);
    return { ok: true, row };
  }

  async function decide(
    row: QuarantineTable,
    status: 'released' | 'deleted',
    actor: Actor,
    details: Record<string, unknown>,
  ): Promise<{ ok: true; message: QuarantinedMessage }> {
    const now = deps.clock.nowMs();
    await deps.store.writeTransaction(async (trx) => {
      await trx
        .updateTable('quarantine')
        // A deleted message's content goes; its summary and findings stay for the record.
        .set({
          status,
          decided_by: actor.actor,
          decided_at: now,
          ...(status === 'deleted' ? { raw: Buffer.alloc(0) } : {}),
        })
        .where('id', '=', row.id)
        .execute();
      await deps.audit.appendWithin(trx, [
        {
          operation: status === 'released' ? 'ReleaseQuarantinedMessage' : 'DeleteQuarantinedMessage',
          result: 'success',
          mailbox: row.mailbox,
          ...actor,
          subject: row.subject,
          messageId: row.message_id,
          details: { quarantineId: row.id, score: row.score, ...details },
        },
      ]);
    });
    return {
      ok: true,
      message: toQuarantinedMessage({ ...row, status, decided_by: actor.actor, decided_at: now }),
    };
  }
}

export type Quarantine = ReturnType<typeof createQuarantine>;

function toQuarantinedMessage(row: Omit<QuarantineTable, 'raw' | 'user_id'>): QuarantinedMessage {
  return {
    id: row.id,
    mailbox: row.mailbox,
    sender: row.sender,
    recipients: JSON.parse(row.recipients) as string[],
    size: row.size,
    subject: row.subject,
    messageId: row.message_id,
    score: row.score,
    findings: JSON.parse(row.findings) as QuarantinedMessage['findings'],
    policy: { name: row.policy_name, version: row.policy_version },
    heldAt: new Date(row.created_at).toISOString(),
    status: row.status,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : new Date(row.decided_at).toISOString(),
  };
}
