import { hash as sha } from 'node:crypto';
import type { AuditLogTable, Executor, Store } from '../store/index.js';
import type { AuditOperation, AuditRecordInput } from './events.js';
import { GENESIS_HASH } from './hash-chain.js';

export interface TimedInput {
  input: AuditRecordInput;
  timeMs: number;
}

/**
 * A record with every stored field serialized, waiting only for its place in the chain (id and
 * previous hash). Sealing is most of a record's CPU cost before the insert, and it needs nothing
 * from the database: a Dovecot ingest seals its records on the main thread when they are accepted,
 * and they cross to the ingest thread as their columns' JSON (ingest-writer.ts encodeSteps).
 */
export interface SealedRecord {
  timeMs: number;
  operation: AuditOperation;
  mailbox: string | null;
  /** audit_log's columns from `time` to `details`, in AUDIT_LOG_COLUMNS order. */
  columns: SealedColumns;
  /**
   * JSON.stringify(columns): the hash's canonical JSON is this with the id put first (see chainRow),
   * and it is how the record crosses to the ingest thread.
   */
  columnsJson: string;
}

type SealedColumns = [
  time: number,
  operation: AuditOperation,
  result: AuditLogTable['result'],
  mailbox: string | null,
  actor: string,
  logonType: AuditLogTable['logon_type'],
  clientIp: string | null,
  protocol: string | null,
  clientInfo: string | null,
  sessionId: string | null,
  folder: string | null,
  destinationFolder: string | null,
  itemIds: string | null,
  messageId: string | null,
  subject: string | null,
  details: string | null,
];

export function sealRecord({ input, timeMs }: TimedInput): SealedRecord {
  const columns: SealedColumns = [
    timeMs,
    input.operation,
    input.result,
    input.mailbox ?? null,
    input.actor,
    input.logonType,
    input.clientIp ?? null,
    input.protocol ?? null,
    input.clientInfo ?? null,
    input.sessionId ?? null,
    input.folder ?? null,
    input.destinationFolder ?? null,
    input.itemIds ? JSON.stringify(input.itemIds) : null,
    input.messageId ?? null,
    input.subject ?? null,
    input.details ? JSON.stringify(input.details) : null,
  ];
  return {
    timeMs,
    operation: input.operation,
    mailbox: columns[3],
    columns,
    columnsJson: JSON.stringify(columns),
  };
}

/** The sealed record whose columns' JSON this is (as it crossed to the ingest thread). */
export function sealedFromColumnsJson(json: string): SealedRecord {
  const columns = JSON.parse(json) as SealedColumns;
  return {
    timeMs: columns[0],
    operation: columns[1],
    mailbox: columns[3],
    columns,
    columnsJson: json,
  };
}

export const isSealed = (record: TimedInput | SealedRecord): record is SealedRecord =>
  'columnsJson' in record;

/**
 * The stored row of a sealed record at its place in the chain. Its hash is hashAuditRow's, computed
 * from the sealed text (test/audit/hash-chain.test.ts holds them equal).
 */
export function chainRow(sealed: SealedRecord, id: number, prevHash: string): AuditLogTable {
  const c = sealed.columns;
  // JSON.stringify([id, ...columns]) is "[" + id + "," + columnsJson without its "[": the id is all
  // the chain adds.
  const hash = sha('sha256', `${prevHash}\n[${id},${sealed.columnsJson.slice(1)}`, 'hex');
  return {
    id,
    time: c[0],
    operation: c[1],
    result: c[2],
    mailbox: c[3],
    actor: c[4],
    logon_type: c[5],
    client_ip: c[6],
    protocol: c[7],
    client_info: c[8],
    session_id: c[9],
    folder: c[10],
    destination_folder: c[11],
    item_ids: c[12],
    message_id: c[13],
    subject: c[14],
    details: c[15],
    prev_hash: prevHash,
    hash,
  };
}

/**
 * Appends records at the head of the chain inside the caller's write transaction, so a state change
 * and its audit record commit or roll back together. The head comes from the store's audit writer
 * (in memory on SQLite, read under the chain lock on PostgreSQL).
 */
export async function appendRecords(
  store: Store,
  trx: Executor,
  records: readonly SealedRecord[],
): Promise<void> {
  if (records.length === 0) return;
  await store.lockAuditChain(trx);
  const head = await store.auditRows.head(trx);
  let previousId = head?.id ?? 0;
  let previousHash = head?.hash ?? GENESIS_HASH;
  const rows: AuditLogTable[] = new Array(records.length);
  for (let index = 0; index < records.length; index++) {
    const row = chainRow(records[index]!, previousId + 1, previousHash);
    previousId = row.id;
    previousHash = row.hash;
    rows[index] = row;
  }
  await store.auditRows.insert(trx, rows);
  await store.auditRows.indexSearchKeys(trx, previousId);
}
