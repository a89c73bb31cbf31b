import { type AuditItemWindowTable, compiledQuery, type Executor } from '../store/index.js';
import type { SealedRecord, TimedInput } from './append-records.js';
import type { AuditOperation, AuditRecordInput, LogonType } from './events.js';

/**
 * PRODUCT.md: "one MailItemsAccessed record per session, folder and short window, so that an
 * attacker who downloads a whole mailbox leaves one readable trail, not a flood".
 */
export const ITEM_WINDOW_MS = 2 * 60_000;
/** UIDs kept in one record; beyond this the record only counts them. */
export const MAX_WINDOW_ITEMS = 10_000;
/**
 * When a session ends its windows are written this much later, not at once: Dovecot exports each
 * event on its own, and a read's event can arrive after the LOGOUT's (seen with 2,000-message FETCHes).
 */
export const SESSION_END_GRACE_MS = 5_000;

/** Operations whose items are gathered per session and folder before their record is written. */
export type GroupedOperation = Extract<
  AuditOperation,
  'MailItemsAccessed' | 'HardDelete' | 'Move' | 'FolderDelete'
>;

/** Something happened to items (messages) of a folder; gathered into the window of its key. */
export interface ItemActivity {
  operation: GroupedOperation;
  sessionId: string;
  folder: string;
  mailbox: string;
  actor: string;
  logonType: LogonType;
  clientIp?: string | null;
  protocol?: string | null;
  itemIds: readonly string[];
  timeMs: number;
}

/**
 * One step of an ingest, in the order the events happened: a record as it is (or already sealed,
 * when it was prepared off the writing thread); item activity; the end
 * of a command that closes a window with its own record (a MOVE with its destination: the window's
 * items become the record's); or the end of a session, which closes all its windows.
 */
export type IngestStep =
  | { kind: 'record'; record: TimedInput }
  | { kind: 'sealed'; record: SealedRecord }
  | { kind: 'activity'; activity: ItemActivity }
  | {
      kind: 'close';
      sessionId: string;
      folder: string;
      window: GroupedOperation;
      record: TimedInput;
      /** Write nothing when the window gathered no items (an EXPUNGE that removed nothing). */
      requireItems: boolean;
    }
  | { kind: 'close-session'; sessionId: string; timeMs: number };

interface OpenWindow {
  row: AuditItemWindowTable;
  items: Set<string>;
  state: 'loaded' | 'new' | 'changed' | 'closed';
}

// Read once per session, folder and operation of every ingest batch (a MOVE or EXPUNGE in a burst
// of thousands of events): built and compiled once.
const windowQuery = compiledQuery<
  { sessionId: string; folder: string; operation: string },
  AuditItemWindowTable
>((db, param) =>
  db
    .selectFrom('audit_item_windows')
    .selectAll()
    .where('session_id', '=', param('sessionId'))
    .where('folder', '=', param('folder'))
    .where('operation', '=', param('operation')),
);

const keyOf = (sessionId: string, folder: string, operation: string) =>
  `${sessionId}\u0000${folder}\u0000${operation}`;

/**
 * Runs the steps inside the write transaction and returns the records they produce, in order.
 * Windows are read once per key and written back once at the end, so a thousand reads of one
 * folder in a batch cost one SELECT and one write.
 */
export async function runIngestSteps(
  trx: Executor,
  steps: readonly IngestStep[],
): Promise<Array<TimedInput | SealedRecord>> {
  const windows = new Map<string, OpenWindow | null>();
  const records: Array<TimedInput | SealedRecord> = [];

  const load = async (sessionId: string, folder: string, operation: string) => {
    const key = keyOf(sessionId, folder, operation);
    if (windows.has(key)) return windows.get(key) ?? null;
    const [row] = (await windowQuery(trx, { sessionId, folder, operation })).rows;
    const open: OpenWindow | null = row
      ? { row, items: new Set(JSON.parse(row.item_ids) as string[]), state: 'loaded' }
      : null;
    windows.set(key, open);
    return open;
  };
  const close = (open: OpenWindow) => {
    open.state = 'closed';
    return open;
  };

  for (const step of steps) {
    switch (step.kind) {
      case 'record':
      case 'sealed':
        records.push(step.record);
        break;
      case 'activity': {
        const a = step.activity;
        let open = await load(a.sessionId, a.folder, a.operation);
        if (open && open.state !== 'closed' && a.timeMs - open.row.opened_at >= ITEM_WINDOW_MS)
          records.push(windowRecord(close(open)));
        if (!open || open.state === 'closed') {
          // A closed row of this key may still be in the table: overwrite it rather than insert.
          const replaced = open !== null;
          open = {
            row: {
              session_id: a.sessionId,
              folder: a.folder,
              operation: a.operation,
              mailbox: a.mailbox,
              actor: a.actor,
              logon_type: a.logonType,
              client_ip: a.clientIp ?? null,
              protocol: a.protocol ?? null,
              opened_at: a.timeMs,
              last_at: a.timeMs,
              close_after: null,
              item_ids: '[]',
              item_count: 0,
            },
            items: new Set(),
            state: replaced ? 'changed' : 'new',
          };
          windows.set(keyOf(a.sessionId, a.folder, a.operation), open);
        } else if (open.state === 'loaded') open.state = 'changed';
        for (const id of a.itemIds) {
          if (open.items.has(id)) continue;
          open.row.item_count += 1;
          if (open.items.size < MAX_WINDOW_ITEMS) open.items.add(id);
        }
        open.row.last_at = Math.max(open.row.last_at, a.timeMs);
        break;
      }
      case 'close': {
        const open = await load(step.sessionId, step.folder, step.window);
        const gathered = open && open.state !== 'closed' ? close(open) : null;
        const items = gathered ? sortedItems(gathered.items) : [];
        const given = step.record.input.itemIds ?? [];
        if (step.requireItems && items.length === 0 && given.length === 0) break;
        const fromWindow = given.length === 0 && gathered !== null;
        const itemIds = fromWindow ? items : given;
        const input = step.record.input;
        records.push({
          timeMs: step.record.timeMs,
          input: {
            ...input,
            itemIds: itemIds.length > 0 ? itemIds : null,
            // The same shape as a window closed on its own, whichever event came first.
            ...(fromWindow ? { details: { ...input.details, itemCount: gathered.row.item_count } } : {}),
          },
        });
        break;
      }
      case 'close-session': {
        const rows = await trx
          .selectFrom('audit_item_windows')
          .selectAll()
          .where('session_id', '=', step.sessionId)
          .execute();
        for (const row of rows) {
          const key = keyOf(row.session_id, row.folder, row.operation);
          if (!windows.has(key))
            windows.set(key, { row, items: new Set(JSON.parse(row.item_ids) as string[]), state: 'loaded' });
        }
        for (const open of windows.values()) {
          if (!open || open.row.session_id !== step.sessionId || open.state === 'closed') continue;
          open.row.close_after = step.timeMs + SESSION_END_GRACE_MS;
          if (open.state === 'loaded') open.state = 'changed';
        }
        break;
      }
    }
  }

  for (const open of windows.values()) {
    if (!open || open.state === 'loaded') continue;
    const { row } = open;
    const where = trx
      .deleteFrom('audit_item_windows')
      .where('session_id', '=', row.session_id)
      .where('folder', '=', row.folder)
      .where('operation', '=', row.operation);
    if (open.state === 'closed') {
      await where.execute();
      continue;
    }
    const values = { ...row, item_ids: JSON.stringify([...open.items]) };
    if (open.state === 'changed') await where.execute();
    await trx.insertInto('audit_item_windows').values(values).execute();
  }
  return records;
}

/**
 * Windows opened before `openedBeforeMs`, or whose session ended more than the grace period before
 * `nowMs`, are due: their records are written and the windows removed.
 */
export async function closeDueWindows(
  trx: Executor,
  openedBeforeMs: number,
  nowMs: number,
  limit = 1000,
): Promise<TimedInput[]> {
  const rows = await trx
    .selectFrom('audit_item_windows')
    .selectAll()
    .where((eb) => eb.or([eb('opened_at', '<', openedBeforeMs), eb('close_after', '<=', nowMs)]))
    .orderBy('opened_at')
    .limit(limit)
    .execute();
  for (const row of rows)
    await trx
      .deleteFrom('audit_item_windows')
      .where('session_id', '=', row.session_id)
      .where('folder', '=', row.folder)
      .where('operation', '=', row.operation)
      .execute();
  return rows.map((row) =>
    windowRecord({ row, items: new Set(JSON.parse(row.item_ids) as string[]), state: 'closed' }),
  );
}

function windowRecord({ row, items }: OpenWindow): TimedInput {
  const input: AuditRecordInput = {
    operation: row.operation as GroupedOperation,
    result: 'success',
    mailbox: row.mailbox,
    actor: row.actor,
    logonType: row.logon_type,
    clientIp: row.client_ip,
    protocol: row.protocol,
    sessionId: row.session_id,
    folder: row.folder,
    itemIds: sortedItems(items),
    details: {
      itemCount: row.item_count,
      firstAt: new Date(row.opened_at).toISOString(),
      lastAt: new Date(row.last_at).toISOString(),
      ...(row.item_count > items.size ? { truncated: true } : {}),
    },
  };
  return { timeMs: row.opened_at, input };
}

/** UIDs in ascending order (events of one command may arrive in any order). */
function sortedItems(items: Iterable<string>): string[] {
  return [...items].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
}
