import { hash } from 'node:crypto';
import type { AuditLogTable } from '../store/index.js';

/** The previous hash of the first record ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 over the previous hash and every stored field in a fixed order, id and time included, so
 * that altering, removing, inserting or reordering a record breaks the chain at that record.
 */
export function hashAuditRow(row: Omit<AuditLogTable, 'hash'>): string {
  const canonical = JSON.stringify([
    row.id,
    row.time,
    row.operation,
    row.result,
    row.mailbox,
    row.actor,
    row.logon_type,
    row.client_ip,
    row.protocol,
    row.client_info,
    row.session_id,
    row.folder,
    row.destination_folder,
    row.item_ids,
    row.message_id,
    row.subject,
    row.details,
  ]);
  // One-shot hash of the joined text: no Hash object per record (half the cost of createHash's
  // update/digest for texts of this size).
  return hash('sha256', `${row.prev_hash}\n${canonical}`, 'hex');
}
