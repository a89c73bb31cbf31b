import type { Generated } from 'kysely';

/**
 * Table shapes shared by SQLite and PostgreSQL. Times are milliseconds since the epoch (bigint),
 * booleans are nullable timestamps (`disabled_at`), ids are text, so both dialects read the same values.
 */
export interface DomainTable {
  name: string;
  created_at: number;
}

export interface UserTable {
  id: string;
  address: string;
  domain: string;
  display_name: string | null;
  role: 'user' | 'admin';
  password_hash: string | null;
  password_changed_at: number | null;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface AddressTable {
  address: string;
  user_id: string;
  kind: 'primary' | 'alias';
  created_at: number;
}

export interface ApiTokenTable {
  id: string;
  name: string;
  role: 'admin' | 'auditor';
  token_hash: string;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AuditLogTable {
  /** Assigned by the writer as previous id + 1, never by a sequence, so a gap means a removed record. */
  id: number;
  time: number;
  operation: string;
  result: 'success' | 'failure';
  mailbox: string | null;
  actor: string;
  logon_type: 'owner' | 'delegate' | 'admin' | 'system';
  client_ip: string | null;
  protocol: string | null;
  client_info: string | null;
  session_id: string | null;
  folder: string | null;
  destination_folder: string | null;
  item_ids: string | null;
  message_id: string | null;
  subject: string | null;
  details: string | null;
  prev_hash: string;
  hash: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  domains: DomainTable;
  users: UserTable;
  addresses: AddressTable;
  api_tokens: ApiTokenTable;
  audit_log: AuditLogTable;
  meta: MetaTable;
}

export type { Generated };
