import type { AuditLogTable, Executor, Store } from '../store/index.js';
import type { AuditRecordInput } from './events.js';
import { GENESIS_HASH, hashAuditRow } from './hash-chain.js';

export interface TimedInput {
  input: AuditRecordInput;
  timeMs: number;
}

/** Rows per INSERT: 19 columns each stays far below SQLite's 32,766 bound variables. */
const ROWS_PER_INSERT = 500;

/**
 * Appends records at the head of the chain inside the caller's write transaction, so a state change
 * and its audit record commit or roll back together.
 */
export async function appendRecords(
  store: Store,
  trx: Executor,
  records: readonly TimedInput[],
): Promise<void> {
  if (records.length === 0) return;
  await store.lockAuditChain(trx);
  const head = await trx
    .selectFrom('audit_log')
    .select(['id', 'hash'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  let previousId = head?.id ?? 0;
  let previousHash = head?.hash ?? GENESIS_HASH;
  const rows: AuditLogTable[] = records.map(({ input, timeMs }) => {
    const row: Omit<AuditLogTable, 'hash'> = {
      id: previousId + 1,
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
      prev_hash: previousHash,
    };
    const hash = hashAuditRow(row);
    previousId = row.id;
    previousHash = hash;
    return { ...row, hash };
  });
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    await trx
      .insertInto('audit_log')
      .values(rows.slice(start, start + ROWS_PER_INSERT))
      .execute();
  }
}
