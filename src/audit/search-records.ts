import type { AuditLogTable, Executor } from '../store/index.js';
import type { AuditRecord } from './events.js';

export interface AuditSearchFilter {
  mailbox?: string;
  actor?: string;
  operations?: readonly string[];
  result?: 'success' | 'failure';
  clientIp?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Cursor: only records older than this id (newest first paging). */
  beforeId?: number;
  limit?: number;
}

export interface AuditSearchPage {
  records: AuditRecord[];
  /** Pass as beforeId for the next page; null at the end. */
  nextCursor: number | null;
}

export const MAX_SEARCH_LIMIT = 1000;

export async function searchRecords(db: Executor, filter: AuditSearchFilter): Promise<AuditSearchPage> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_SEARCH_LIMIT);
  let query = db.selectFrom('audit_log').selectAll();
  if (filter.mailbox) query = query.where('mailbox', '=', filter.mailbox.toLowerCase());
  if (filter.actor) query = query.where('actor', '=', filter.actor);
  if (filter.operations && filter.operations.length > 0)
    query = query.where('operation', 'in', [...filter.operations]);
  if (filter.result) query = query.where('result', '=', filter.result);
  if (filter.clientIp) query = query.where('client_ip', '=', filter.clientIp);
  if (filter.sinceMs !== undefined) query = query.where('time', '>=', filter.sinceMs);
  if (filter.untilMs !== undefined) query = query.where('time', '<', filter.untilMs);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit).map(toAuditRecord);
  const last = page[page.length - 1];
  return { records: page, nextCursor: rows.length > limit && last ? last.id : null };
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
