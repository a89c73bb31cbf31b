import { type SelectQueryBuilder, sql } from 'kysely';
import type { AuditLogTable, Database, Executor } from '../store/index.js';
import type { AuditRecord } from './events.js';

export interface AuditSearchFilter {
  mailbox?: string;
  actor?: string;
  operations?: readonly string[];
  result?: 'success' | 'failure';
  clientIp?: string;
  /** The folder acted on, or the destination of a move or copy. */
  folder?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Cursor: only records after this one in newest-first order (its id, from nextCursor). */
  beforeId?: number;
  limit?: number;
}

export interface AuditSearchPage {
  records: AuditRecord[];
  /** Pass as beforeId for the next page; null at the end. */
  nextCursor: number | null;
}

export const MAX_SEARCH_LIMIT = 1000;

type AuditQuery<O = object> = SelectQueryBuilder<Database, 'audit_log', O>;

/**
 * "actor = X" has two disjoint halves, each with its own index: X acting on their own mailbox (the
 * mailbox index) and X acting on any other (the actor index, which holds only those: migration 009).
 */
type ActorHalf = 'own-mailbox' | 'other-mailboxes';

/** The filter's conditions (not the cursor): shared by search, counts and export. */
export function applyFilter<O>(
  query: AuditQuery<O>,
  filter: AuditSearchFilter,
  actorHalf?: ActorHalf,
): AuditQuery<O> {
  let q = query;
  if (filter.mailbox) q = q.where('mailbox', '=', filter.mailbox.toLowerCase());
  if (filter.actor) {
    const actor = filter.actor;
    q = q.where((eb) => {
      const own = eb.and([eb('actor', '=', actor), eb('mailbox', '=', actor)]);
      const others = eb.and([eb('actor', '=', actor), eb('actor', 'is distinct from', eb.ref('mailbox'))]);
      if (actorHalf === 'own-mailbox') return own;
      if (actorHalf === 'other-mailboxes') return others;
      return eb.or([own, others]);
    });
  }
  const operations = filter.operations ?? [];
  if (operations.length === 1) q = q.where('operation', '=', operations[0]!);
  else if (operations.length > 1) q = q.where('operation', 'in', [...operations]);
  if (filter.result) q = q.where('result', '=', filter.result);
  if (filter.clientIp) q = q.where('client_ip', '=', filter.clientIp);
  if (filter.folder) {
    const folder = filter.folder;
    q = q.where((eb) => eb.or([eb('folder', '=', folder), eb('destination_folder', '=', folder)]));
  }
  if (filter.sinceMs !== undefined) q = q.where('time', '>=', filter.sinceMs);
  if (filter.untilMs !== undefined) q = q.where('time', '<', filter.untilMs);
  return q;
}

/**
 * Newest first is (time DESC, id DESC): every search index is (column, time, id), so a page is an
 * index range read that stops after `limit` rows, however many records match. The cursor is the last
 * record's id; its time is looked up so the next page starts right after it in that order.
 */
export async function searchRecords(db: Executor, filter: AuditSearchFilter): Promise<AuditSearchPage> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_SEARCH_LIMIT);
  const pageOf = async (actorHalf?: ActorHalf) => {
    let query = applyFilter(db.selectFrom('audit_log').selectAll(), filter, actorHalf);
    if (filter.beforeId !== undefined) query = await afterCursor(db, query, filter.beforeId);
    return query
      .orderBy('time', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
  };
  // By actor alone: each half is one index range read that stops after limit + 1 rows; merged here
  // in the same order (an OR would make the database collect and sort every match first).
  const rows =
    filter.actor && !filter.mailbox
      ? (await Promise.all([pageOf('own-mailbox'), pageOf('other-mailboxes')]))
          .flat()
          .sort((a, b) => b.time - a.time || b.id - a.id)
          .slice(0, limit + 1)
      : await pageOf();
  const page = rows.slice(0, limit).map(toAuditRecord);
  const last = page[page.length - 1];
  return { records: page, nextCursor: rows.length > limit && last ? last.id : null };
}

export async function afterCursor<O>(
  db: Executor,
  query: AuditQuery<O>,
  beforeId: number,
): Promise<AuditQuery<O>> {
  const cursor = await db
    .selectFrom('audit_log')
    .select('time')
    .where('id', '=', beforeId)
    .executeTakeFirst();
  // A cursor record removed by retention since: everything older than it is older by id as well.
  if (!cursor) return query.where('id', '<', beforeId);
  return query.where(sql<boolean>`(time, id) < (${cursor.time}, ${beforeId})`);
}

/** How many records match, per operation (for the summary above a search). */
export async function countByOperation(
  db: Executor,
  filter: AuditSearchFilter,
): Promise<Record<string, number>> {
  const rows = await applyFilter(db.selectFrom('audit_log'), filter)
    .select(['operation', (eb) => eb.fn.countAll<number | string>().as('count')])
    .groupBy('operation')
    .orderBy('operation')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.operation, Number(row.count)]));
}

export function toAuditRecord(row: AuditLogTable): AuditRecord {
  return {
    id: row.id,
    time: new Date(row.time).toISOString(),
    operation: row.operation,
    result: row.result,
    mailbox: row.mailbox,
    actor: row.actor,
    logonType: row.logon_type,
    clientIp: row.client_ip,
    protocol: row.protocol,
    clientInfo: row.client_info,
    sessionId: row.session_id,
    folder: row.folder,
    destinationFolder: row.destination_folder,
    itemIds: row.item_ids ? (JSON.parse(row.item_ids) as string[]) : null,
    messageId: row.message_id,
    subject: row.subject,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
    hash: row.hash,
  };
}
