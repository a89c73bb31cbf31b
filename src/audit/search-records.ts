import { type Expression, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import { type AuditLogTable, type Database, type Executor, SEARCH_KEY_PREFIX } from '../store/index.js';
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

/**
 * How a query reaches its rows. 'indexes': the table's own indexes (operation, actor, time), as the
 * database chooses. 'id': by id only (the records after the last keyed one, or each record a search
 * key names), so the other conditions are written so that no index can serve them: with an index on
 * operation or time at hand, SQLite would otherwise read every such record of the time range.
 */
type Reach = 'indexes' | 'id';

/**
 * A column as a condition or a grouping names it. Reached by id, it is an expression, which keeps the
 * column's index out of the plan on both databases: a unary plus on the time, an empty string
 * appended to the operation.
 */
function columnAsReached<T>(name: 'time' | 'operation', reach: Reach): RawBuilder<T> {
  if (reach === 'indexes') return sql<T>`${sql.ref(name)}`;
  return name === 'time' ? sql<T>`+${sql.ref(name)}` : sql<T>`(${sql.ref(name)} || '')`;
}

/** The filter's conditions (not the cursor): shared by search, counts and export. */
export function applyFilter<O>(
  query: AuditQuery<O>,
  filter: AuditSearchFilter,
  actorHalf?: ActorHalf,
  reach: Reach = 'indexes',
): AuditQuery<O> {
  const column = (name: 'time' | 'operation') => columnAsReached<unknown>(name, reach);
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
  if (operations.length === 1) q = q.where(column('operation'), '=', operations[0]!);
  else if (operations.length > 1) q = q.where(column('operation'), 'in', [...operations]);
  if (filter.result) q = q.where('result', '=', filter.result);
  if (filter.clientIp) q = q.where('client_ip', '=', filter.clientIp);
  if (filter.folder) {
    const folder = filter.folder;
    q = q.where((eb) => eb.or([eb('folder', '=', folder), eb('destination_folder', '=', folder)]));
  }
  if (filter.sinceMs !== undefined) q = q.where(column('time'), '>=', filter.sinceMs);
  if (filter.untilMs !== undefined) q = q.where(column('time'), '<', filter.untilMs);
  return q;
}

/**
 * The search key that finds the filter's records (migration 013): the mailbox, the actor acting on
 * their own mailbox, or the client IP. Null: the table's own indexes serve the filter.
 */
function searchKeyOf(filter: AuditSearchFilter, actorHalf?: ActorHalf): string | null {
  if (filter.mailbox) return SEARCH_KEY_PREFIX.mailbox + filter.mailbox.toLowerCase();
  if (filter.actor && actorHalf === 'own-mailbox') return SEARCH_KEY_PREFIX.mailbox + filter.actor;
  if (filter.clientIp) return SEARCH_KEY_PREFIX.clientIp + filter.clientIp;
  return null;
}

/** By actor alone the two halves are read apart (each with its own way in) and their rows merged. */
const actorHalvesOf = (filter: AuditSearchFilter): ReadonlyArray<ActorHalf | undefined> =>
  filter.actor && !filter.mailbox ? ['own-mailbox', 'other-mailboxes'] : [undefined];

/** Where a page continues: the cursor record's time and id, or only its id once retention removed it. */
interface Cursor {
  id: number;
  time: number | null;
}

/**
 * The queries whose rows together are the filter's matches, each in newest-first order. With a
 * search key: the records up to the last keyed one, read along their key's entries (each one looked
 * up by id), and the records after it, read by id. The keyed position is read once, first, so the
 * two never overlap and never miss a record whatever the bulk writer does in between.
 */
async function matchingParts(
  db: Executor,
  filter: AuditSearchFilter,
  actorHalf: ActorHalf | undefined,
  cursor: Cursor | null,
): Promise<Array<{ query: AuditQuery<object>; newestFirst: NewestFirst; reach: Reach }>> {
  const key = searchKeyOf(filter, actorHalf);
  if (key === null) {
    const newestFirst: NewestFirst = [sql.ref('time'), sql.ref('id')];
    const query = applyFilter(db.selectFrom('audit_log'), filter, actorHalf);
    return [{ query: afterCursor(query, newestFirst, cursor), newestFirst, reach: 'indexes' }];
  }
  const state = await db.selectFrom('audit_search_state').select('through_id').executeTakeFirst();
  const through = state?.through_id ?? 0;

  // CROSS JOIN: SQLite keeps the keys as the outer loop (the order the page is read in).
  let keyed = db
    .selectFrom('audit_search_keys')
    .crossJoin('audit_log')
    .whereRef('audit_log.id', '=', 'audit_search_keys.record_id')
    .where('search_key', '=', key)
    .where('record_id', '<=', through);
  if (filter.sinceMs !== undefined) keyed = keyed.where('key_time', '>=', filter.sinceMs);
  if (filter.untilMs !== undefined) keyed = keyed.where('key_time', '<', filter.untilMs);
  // The filter's columns are all audit_log's, none shared with the keys table.
  const keyedQuery = applyFilter(keyed as unknown as AuditQuery<object>, filter, actorHalf, 'id');
  const alongKey: NewestFirst = [sql.ref('key_time'), sql.ref('record_id')];

  const tail = applyFilter(db.selectFrom('audit_log').where('id', '>', through), filter, actorHalf, 'id');
  const byId: NewestFirst = [sql`+${sql.ref('time')}`, sql.ref('id')];
  return [
    { query: afterCursor(keyedQuery, alongKey, cursor), newestFirst: alongKey, reach: 'id' },
    { query: afterCursor(tail, byId, cursor), newestFirst: byId, reach: 'id' },
  ];
}

/** A part's (time, id) in the form its order is read in: the cursor compares the same pair. */
type NewestFirst = readonly [time: Expression<unknown>, id: Expression<unknown>];

function afterCursor<O>(query: AuditQuery<O>, [time, id]: NewestFirst, cursor: Cursor | null): AuditQuery<O> {
  if (!cursor) return query;
  return query.where(
    cursor.time === null
      ? sql<boolean>`${id} < ${cursor.id}`
      : sql<boolean>`(${time}, ${id}) < (${cursor.time}, ${cursor.id})`,
  );
}

/**
 * Newest first is (time DESC, id DESC): every way in (an index (column, time, id), a search key's
 * entries, the records after the last keyed one) yields that order, so a page is read in order and
 * stops after `limit` rows, however many records match. The cursor is the last record's id; its time
 * is looked up so the next page starts right after it in that order.
 */
export async function searchRecords(db: Executor, filter: AuditSearchFilter): Promise<AuditSearchPage> {
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_SEARCH_LIMIT);
  const cursor = filter.beforeId === undefined ? null : await cursorOf(db, filter.beforeId);
  const pageOf = async (actorHalf?: ActorHalf) => {
    const parts = await matchingParts(db, filter, actorHalf, cursor);
    return Promise.all(
      parts.map(({ query, newestFirst }) => {
        let ordered = query.selectAll('audit_log');
        for (const term of newestFirst) ordered = ordered.orderBy(term, 'desc');
        return ordered.limit(limit + 1).execute();
      }),
    );
  };
  // By actor alone: each half is read in order and stops after limit + 1 rows; merged here in the
  // same order (an OR would make the database collect and sort every match first). The same for the
  // keyed records and those after them.
  const rows = (await Promise.all(actorHalvesOf(filter).map((half) => pageOf(half))))
    .flat(2)
    .sort((a, b) => b.time - a.time || b.id - a.id)
    .slice(0, limit + 1);
  const page = rows.slice(0, limit).map(toAuditRecord);
  const last = page[page.length - 1];
  return { records: page, nextCursor: rows.length > limit && last ? last.id : null };
}

async function cursorOf(db: Executor, beforeId: number): Promise<Cursor> {
  const record = await db
    .selectFrom('audit_log')
    .select('time')
    .where('id', '=', beforeId)
    .executeTakeFirst();
  // A cursor record removed by retention since: everything older than it is older by id as well.
  return { id: beforeId, time: record?.time ?? null };
}

/** How many records match, per operation (for the summary above a search). */
export async function countByOperation(
  db: Executor,
  filter: AuditSearchFilter,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const half of actorHalvesOf(filter))
    for (const { query, reach } of await matchingParts(db, filter, half, null)) {
      // Grouped by an expression when rows are reached by id: SQLite would otherwise read the whole
      // operation index to group without sorting (1 s instead of 1 ms on 10 million records).
      const operation = columnAsReached<string>('operation', reach);
      const rows = await query
        .select([operation.as('operation'), (eb) => eb.fn.countAll<number | string>().as('count')])
        .groupBy(operation)
        .execute();
      for (const row of rows) counts[row.operation] = (counts[row.operation] ?? 0) + Number(row.count);
    }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
