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
  /** disabled: no second factor; enabled: the user registered one; enforced: required by an admin. */
  mfa_state: 'disabled' | 'enabled' | 'enforced';
  /** 1 after an admin reset: the temporary password only signs in on the web to change it. */
  must_change_password: number;
  /** Sessions created before this time (ms) are over: sign out everywhere, reset, disable. */
  sessions_valid_after: number;
  /** When an admin's `user mfa reset|enforce` restarted the MFA registration grace period (migration 008). */
  mfa_grace_from: number | null;
  /** The latest successful sign-in, rewritten at most hourly (migration 011; null: none since it was added). */
  last_sign_in_at: number | null;
  /** The page language the user chose on /account, 'en' | 'nl' (migration 021); null: browser, then org. */
  locale?: string | null;
  /** Where an imported account came from (migration 016); null for accounts made here. */
  imported_from?: string | null;
  /** The source's `{SCHEME}hash` at the last import or sync, to tell whose change is newer. */
  imported_hash?: string | null;
  imported_at?: number | null;
  /** 1: mail clients may still use the account password (imported, not yet moved to app passwords). */
  mail_account_password?: number;
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
  /** The admin this token acts for; null for a service token. */
  owner_user_id: string | null;
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

/**
 * Where the records of one mailbox or one client IP are, newest last: written in bulk for many records
 * at once (audit-rows.ts SEARCH_KEYS_EVERY), not with each record, so that a burst from a thousand
 * mailboxes does not rewrite a thousand index pages per transaction (migration 013).
 */
export interface AuditSearchKeyTable {
  /** 'm:' + mailbox or 'i:' + client IP (SEARCH_KEY_PREFIX). */
  search_key: string;
  /** The record's time: the key's entries are in newest-first search order. */
  key_time: number;
  record_id: number;
}

/** One row: the records up to through_id have their search keys; those after it are found by id. */
export interface AuditSearchStateTable {
  id: number;
  through_id: number;
}

/** A signed retention checkpoint: records up to through_id may be removed; the chain resumes on its hash. */
export interface AuditCheckpointTable {
  created_at: number;
  through_id: number;
  through_hash: string;
  /** secrets.key seal of {throughId, throughHash, createdAt}: only a holder of the key can forge one. */
  signature: string;
}

/** Per-mailbox audit setting; a mailbox without a row is audited (on by default). */
export interface MailboxAuditSettingTable {
  mailbox: string;
  enabled: number;
  changed_at: number;
  changed_by: string;
}

/** Item activity not yet written as its grouped audit record (see audit/item-windows.ts). */
export interface AuditItemWindowTable {
  session_id: string;
  folder: string;
  operation: string;
  mailbox: string;
  actor: string;
  logon_type: 'owner' | 'delegate' | 'admin' | 'system';
  client_ip: string | null;
  protocol: string | null;
  opened_at: number;
  last_at: number;
  /** Set when the session ended: the window is written once this time has passed. */
  close_after: number | null;
  /** JSON array of UIDs (at most MAX_WINDOW_ITEMS; item_count keeps counting). */
  item_ids: string;
  item_count: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface GroupTable {
  name: string;
  created_at: number;
}

export interface GroupMemberTable {
  group_name: string;
  user_id: string;
}

export interface SendingPolicyTable {
  name: string;
  priority: number;
  /** JSON: { users: string[], groups: string[], domains: string[] }. */
  scope: string;
  /** JSON: the policy's settings (outbound/policy-settings.ts). */
  settings: string;
  version: number;
  updated_at: number;
}

export interface SendCounterTable {
  user_id: string;
  /** floor(epoch ms / 60 000). */
  minute: number;
  messages: number;
  internal_recipients: number;
  external_recipients: number;
  spam_verdicts: number;
}

/** Recipients accepted for a message not sent yet (migration 019; outbound/send-reservations.ts). */
export interface SendReservationTable {
  /** One per message in flight. */
  id: string;
  user_id: string;
  internal_recipients: number;
  external_recipients: number;
  /** Stops counting then (a process that died cannot give it back); renewed while the message is alive. */
  expires_at: number;
}

export interface RestrictionTable {
  id: string;
  user_id: string;
  reason: string;
  policy_name: string;
  action: 'restrict' | 'restrict-today';
  since: number;
  /** restrict-today: the next 00:00 UTC; null: until released. */
  until: number | null;
  evidence: string;
  released_at: number | null;
  released_by: string | null;
  release_reason: string | null;
  release_forced: number | null;
}

export interface AlertTable {
  id: string;
  type: string;
  severity: 'informational' | 'low' | 'medium' | 'high';
  mailbox: string | null;
  status: 'new' | 'acknowledged' | 'resolved';
  count: number;
  first_at: number;
  last_at: number;
  evidence: string;
  updated_by: string | null;
}

export interface QuarantineTable {
  id: string;
  user_id: string;
  mailbox: string;
  sender: string;
  /** JSON array of envelope recipients. */
  recipients: string;
  raw: Buffer;
  size: number;
  subject: string | null;
  message_id: string | null;
  score: number;
  /** JSON array of { name, weight, detail }. */
  findings: string;
  policy_name: string;
  policy_version: number;
  created_at: number;
  status: 'held' | 'released' | 'deleted';
  decided_by: string | null;
  decided_at: number | null;
}

export interface WebhookTable {
  id: string;
  name: string;
  url: string;
  /** The signing secret, encrypted at rest (runtime/secret-box.ts). */
  secret_encrypted: string;
  created_at: number;
  disabled_at: number | null;
}

export interface NotificationDeliveryTable {
  id: string;
  channel: 'email' | 'webhook';
  /** An address, or a webhook id. */
  target: string;
  alert_id: string | null;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** Org-wide settings changed at run time (src/settings): key → JSON value. */
export interface OrgSettingTable {
  key: string;
  value: string;
  updated_at: number;
  updated_by: string;
}

export interface TotpCredentialTable {
  user_id: string;
  /** The base32 seed, sealed with the secret box (runtime/secret-box.ts). */
  secret_encrypted: string;
  created_at: number;
  confirmed_at: number | null;
  /** The newest accepted RFC 6238 time step: a code is accepted at most once. */
  last_used_step: number | null;
}

export interface RecoveryCodeTable {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface PasskeyTable {
  /** WebAuthn credential id, base64url. */
  id: string;
  user_id: string;
  name: string;
  /** COSE public key, base64url. */
  public_key: string;
  sign_count: number;
  /** JSON array of transports, as the authenticator reported them. */
  transports: string | null;
  created_at: number;
  last_used_at: number | null;
}

export interface WebSessionTable {
  /** sha256 (hex) of the cookie's token. */
  id: string;
  user_id: string;
  /** password: a second factor is due; enrol: must register one first; complete: signed in. */
  stage: 'password' | 'enrol' | 'complete';
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  client_ip: string | null;
  user_agent: string | null;
  revoked_at: number | null;
  /** A WebAuthn challenge issued to this session (migration 008): single use, short-lived. */
  challenge: string | null;
  challenge_purpose: 'passkey-registration' | 'passkey-authentication' | null;
  challenge_expires_at: number | null;
  /** What completed the session: password (no second factor due), totp, passkey, recovery-code. */
  second_factor: string | null;
}

export interface AppPasswordTable {
  id: string;
  user_id: string;
  name: string;
  /** JSON array: smtp, imap, pop3, sieve. */
  scopes: string;
  secret_hash: string;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
  last_used_protocol: string | null;
  revoked_at: number | null;
}

export interface SignInTable {
  id: string;
  at: number;
  user_id: string | null;
  login: string;
  protocol: 'web' | 'smtp' | 'imap' | 'pop3' | 'sieve' | 'api';
  client_ip: string | null;
  country: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  client: string | null;
  result: 'success' | 'failure';
  reason: string;
  credential: string | null;
  risk_level: 'none' | 'low' | 'medium' | 'high';
  /** JSON array of detection names. */
  risk_reasons: string;
  /** Migration 007: the lockout tag of a wrong password (brute force counts distinct ones). */
  failure_tag?: string | null;
}

export interface LockoutTable {
  login: string;
  /** IPv4 /24 or IPv6 /64 of the client. */
  source: string;
  failures: number;
  /** JSON array of short hashes of recent wrong passwords (the same one retried counts once). */
  recent_failures: string;
  locked_until: number | null;
  lock_count: number;
  updated_at: number;
}

export interface ScoreControlStatusTable {
  control_id: string;
  status: 'risk-accepted' | 'third-party' | 'alternate-mitigation';
  reason: string;
  set_by: string;
  set_at: number;
}

export interface ScoreSnapshotTable {
  id: string;
  taken_at: number;
  /** YYYY-MM-DD (UTC) for the daily snapshot; null for one taken on demand. */
  daily_day: string | null;
  trigger: 'daily' | 'on-demand';
  score: number;
  max_score: number;
  achievable_score: number;
  /** JSON: { [category]: { score, maxScore } }. */
  categories: string;
  /** JSON: [{ id, points, maxPoints, status }]. */
  controls: string;
}

export interface ScoreCachedFactTable {
  name: string;
  /** JSON of the fact. */
  value: string;
  measured_at: number;
}

/** Networks a user signed in from successfully (sign-in, migration 007). */
export interface FamiliarNetworkTable {
  user_id: string;
  network: string;
  country: string | null;
  first_at: number;
  last_at: number;
}

export interface Database {
  org_settings: OrgSettingTable;
  totp_credentials: TotpCredentialTable;
  recovery_codes: RecoveryCodeTable;
  passkeys: PasskeyTable;
  web_sessions: WebSessionTable;
  app_passwords: AppPasswordTable;
  sign_ins: SignInTable;
  lockouts: LockoutTable;
  score_cached_facts: ScoreCachedFactTable;
  score_control_statuses: ScoreControlStatusTable;
  score_snapshots: ScoreSnapshotTable;
  familiar_networks: FamiliarNetworkTable;
  quarantine: QuarantineTable;
  webhooks: WebhookTable;
  notification_deliveries: NotificationDeliveryTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  sending_policies: SendingPolicyTable;
  send_counters: SendCounterTable;
  send_reservations: SendReservationTable;
  restrictions: RestrictionTable;
  alerts: AlertTable;
  domains: DomainTable;
  users: UserTable;
  addresses: AddressTable;
  api_tokens: ApiTokenTable;
  audit_log: AuditLogTable;
  audit_checkpoint: AuditCheckpointTable;
  audit_search_keys: AuditSearchKeyTable;
  audit_search_state: AuditSearchStateTable;
  audit_item_windows: AuditItemWindowTable;
  mailbox_audit_settings: MailboxAuditSettingTable;
  meta: MetaTable;
}

export type { Generated };
