import type { AuditLogTable, Executor, Store } from '../store/index.js';
import type { AuditRecordInput } from './events.js';
import { GENESIS_HASH, hashAuditRow } from './hash-chain.js';

export interface TimedInput {
  input: AuditRecordInput;
  timeMs: number;
}

/**
 * Appends records at the head of the chain inside the caller's write transaction, so a state change
 * and its audit record commit or roll back together. The head comes from the store's audit writer
 * (in memory on SQLite, read under the chain lock on PostgreSQL).
 */
export async function appendRecords(
  store: Store,
  trx: Executor,
  records: readonly TimedInput[],
): Promise<void> {
  if (records.length === 0) return;
  await store.lockAuditChain(trx);
  const head = await store.auditRows.head(trx);
  let previousId = head?.id ?? 0;
  let previousHash = head?.hash ?? GENESIS_HASH;
  const rows: AuditLogTable[] = new Array(records.length);
  for (let index = 0; index < records.length; index++) {
    const row = toRow(records[index]!, previousId + 1, previousHash);
    previousId = row.id;
    previousHash = row.hash;
    rows[index] = row;
  }
  await store.auditRows.insert(trx, rows);
}

export function toRow({ input, timeMs }: TimedInput, id: number, prevHash: string): AuditLogTable {
  // One object per record (the hot path allocates little): the hash is filled in last, and
  // hashAuditRow reads every field but it.
  const row: AuditLogTable = {
    id,
    time: timeMs,
    operation: input.operation,
    result: input.result,
    mailbox: input.mailbox ?? null,
    actor: input.actor,
    logon_type: input.logonType,
    client_ip: input.clientIp ?? null,
    protocol: input.protocol ?? null,
    client_info: input.clientInfo ?? null,
    session_id: input.sessionId ?? null,
    folder: input.folder ?? null,
    destination_folder: input.destinationFolder ?? null,
    item_ids: input.itemIds ? JSON.stringify(input.itemIds) : null,
    message_id: input.messageId ?? null,
    subject: input.subject ?? null,
    details: input.details ? JSON.stringify(input.details) : null,
    prev_hash: prevHash,
    hash: '',
  };
  row.hash = hashAuditRow(row);
  return row;
}
