import type { AuditRecordInput } from '../../src/audit/index.js';
import type { AuditLogTable } from '../../src/store/index.js';

/**
 * An audit_log row as a test writes it straight into the table (a forged record, a database from
 * before a migration): the given fields, every optional column null, a zero previous hash.
 */
export function auditLogRow(
  fields: Pick<AuditLogTable, 'id' | 'time' | 'operation' | 'mailbox' | 'actor' | 'hash'> &
    Partial<AuditLogTable>,
): AuditLogTable {
  return {
    result: 'success',
    logon_type: 'owner',
    client_ip: null,
    protocol: null,
    client_info: null,
    session_id: null,
    folder: null,
    destination_folder: null,
    item_ids: null,
    message_id: null,
    subject: null,
    details: null,
    prev_hash: '0'.repeat(64),
    ...fields,
  };
}

/** A mailbox owner's successful sign-in, as app.audit.append takes it: the plainest record there is. */
export function ownerLogin(mailbox: string, more: Partial<AuditRecordInput> = {}): AuditRecordInput {
  return {
    operation: 'MailboxLogin',
    result: 'success',
    mailbox,
    actor: mailbox,
    logonType: 'owner',
    ...more,
  };
}
