/**
 * The one catalogue of audit operations. Mailbox operations use the reference names (PRODUCT.md,
 * "Mailbox audit log"); admin operations are named verb-first after what they change.
 */
export const auditOperations = {
  MailboxLogin: 'A sign-in to the mailbox on any protocol, successful or not.',
  Send: 'A message was sent from the mailbox owner’s own address; result failure: refused or held (reply, reason, count per burst); details outcome unknown: handed to delivery by a process that ended before the outcome was recorded and the client told (from the send journal, at the next start).',
  SendAs:
    'A message was sent from one of the mailbox’s aliases; result failure: refused or held, or a sender not the mailbox’s.',
  SendOnBehalf: 'A delegate sent a message on behalf of the mailbox owner.',
  MailItemsAccessed:
    'Message contents were read; one record per session, folder and 2-minute window, with the UIDs.',
  SoftDelete: 'Messages were flagged \\Deleted: gone from view, recoverable until expunged.',
  HardDelete: 'Messages were expunged: permanently removed from the folder.',
  MoveToDeletedItems: 'Messages were moved to the trash folder.',
  Move: 'Messages were moved to another folder.',
  Copy: 'Messages were copied to another folder.',
  Create: 'A message was added to a folder by the client (IMAP APPEND: drafts, sent copies, imports).',
  Update: 'Message flags other than \\Deleted were changed (read, flagged, answered, keywords).',
  UpdateInboxRules:
    'Inbox rules (Sieve scripts) were saved, activated, deactivated or deleted; with their redirect targets.',
  UpdateFolderPermissions: 'Folder permissions (IMAP ACL) were granted or removed.',
  'Set-Forwarding': 'Mailbox-level forwarding to another address was set or removed by an administrator.',
  RedirectMessage: 'A delivered message was forwarded to another address by an inbox rule (Sieve redirect).',
  SearchQueryInitiated: 'A search was run in a folder (IMAP SEARCH), with its criteria.',
  FolderCreate: 'A folder was created.',
  FolderRename: 'A folder was renamed.',
  FolderDelete: 'A folder was deleted with the messages in it.',
  DisableMailboxAudit: 'An administrator turned mailbox auditing off for a mailbox.',
  EnableMailboxAudit: 'An administrator turned mailbox auditing back on for a mailbox.',
  PruneAuditLog: 'Records older than the retention period were removed after a signed checkpoint.',
  DetectAuditLogCut:
    'The audit log ended before a signed anchor of its head: its newest records were removed (details: the anchor, the head found, the first missing record).',
  AddDomain: 'An administrator added a domain the organization owns.',
  AddUser: 'An administrator created a mailbox user.',
  UpdateUser: 'An administrator changed a user’s display name or role.',
  DisableUser: 'An administrator disabled a user: no sign-in, no sending.',
  EnableUser: 'An administrator enabled a disabled user.',
  SetPassword: 'The password of a user was set or changed.',
  AddAlias: 'An alias address was added to a user.',
  RemoveAlias: 'An administrator removed an alias address from a user.',
  RemoveUser:
    'An administrator deleted a user: addresses, group memberships, sessions, app passwords, second factors and owned API tokens went with it; its audit records, sign-ins, restrictions and held messages stay.',
  RemoveDomain: 'An administrator removed a domain the organization no longer owns.',
  CreateApiToken: 'An API token was created.',
  RevokeApiToken: 'An API token was revoked.',
  AddGroup: 'An administrator created a group.',
  AddGroupMember: 'An administrator added a user to a group.',
  RemoveGroup: 'An administrator deleted a group (its members are named in the record).',
  RemoveGroupMember: 'An administrator removed a user from a group.',
  SetSendingPolicy: 'A sending policy was created or changed.',
  DeleteSendingPolicy: 'A sending policy was deleted.',
  RestrictSender: 'A user was restricted from sending (a limit or spam verdicts).',
  ReleaseSender: 'An administrator released a user from the restricted senders list.',
  UpdateAlert: 'An administrator acknowledged or resolved an alert.',
  AddWebhook: 'An administrator added a webhook that receives alerts (its signing secret is not recorded).',
  RemoveWebhook: 'An administrator removed a webhook.',
  SpamVerdict: 'Outgoing mail scored as spam: held or rejected, with its findings and the policy version.',
  ReleaseQuarantinedMessage: 'An administrator released a held message; it was delivered.',
  DeleteQuarantinedMessage: 'An administrator deleted a held message.',
  ChangeOrgSetting: 'An administrator changed an org-wide setting (MFA, sign-in, lockout, risk policy).',
  SetScoreControlStatus:
    'An administrator set a Secure Score control to risk accepted, resolved by a third party or alternate mitigation (with the reason), or back to measured.',
  // Sign-in: app passwords, admin reset, smart lockout.
  CreateAppPassword: 'An app password was created for a user (its name and scopes; never the secret).',
  RevokeAppPassword: 'An app password was revoked.',
  ResetPassword:
    'An administrator reset a user’s password: a temporary one, a change required, all sessions ended.',
  LockOut: 'Smart lockout locked a source network out of an account after repeated failed sign-ins.',
  UnlockUser: 'An administrator lifted every lockout of an account.',
  UpgradePasswordHash:
    'A password hash imported from another mail server was replaced by argon2id at the account’s first sign-in (the schemes only, never a hash).',
  SetMailPassword:
    'An administrator let an account’s mail clients keep the account password, or moved them to app passwords.',
  // Second factors and web sessions.
  EnrolMfaMethod: 'A second factor was registered (TOTP app or passkey).',
  RemoveMfaMethod: 'A second factor was removed (TOTP app or passkey).',
  RenamePasskey: 'A passkey was renamed.',
  RegenerateRecoveryCodes: 'New recovery codes replaced the old ones.',
  UseRecoveryCode: 'A recovery code was spent as a second factor.',
  SignOut: 'A web session was signed out.',
  SignOutEverywhere: 'Every web session of the user was ended.',
  ResetMfa:
    'An administrator removed every second factor of a user and restarted their registration grace period.',
  EnforceMfa: 'An administrator required a user to register a second factor at the next sign-in.',
  // Accounts brought over from another mail server (importing).
  ImportAccount:
    'An import or sync from another mail server created or changed an account or added an alias to it (the source and what changed; never a password hash).',
  ImportRun:
    'An import or sync from another mail server finished (the source and its counts of domains, users and aliases created, updated, unchanged and skipped).',
  // The compromised-account playbook (respond).
  DisableInboxRules:
    'An administrator deactivated a mailbox’s active inbox rules (Sieve script) because they forward or hide mail.',
  EndMailSessions: 'An administrator closed the open mail sessions (IMAP, POP3, ManageSieve) of a mailbox.',
  SecureAccount:
    'An administrator ran the secure-this-account playbook; the record names each step’s outcome.',
} as const;

export type AuditOperation = keyof typeof auditOperations;

/**
 * What is done to a mailbox's items and folders: not recorded while auditing is off for that mailbox.
 * Sign-ins, sending, inbox rules, forwarding and admin actions are always recorded, because sending
 * limits, restrictions and detections are built on them.
 */
export const mailboxItemOperations: ReadonlySet<AuditOperation> = new Set<AuditOperation>([
  'MailItemsAccessed',
  'SoftDelete',
  'HardDelete',
  'MoveToDeletedItems',
  'Move',
  'Copy',
  'Create',
  'Update',
  'UpdateFolderPermissions',
  'SearchQueryInitiated',
  'FolderCreate',
  'FolderRename',
  'FolderDelete',
]);

export function isAuditOperation(name: string): name is AuditOperation {
  return Object.hasOwn(auditOperations, name);
}

export type LogonType = 'owner' | 'delegate' | 'admin' | 'system';

/** What a caller says happened; the writer adds id, time and the chain hashes. */
export interface AuditRecordInput {
  operation: AuditOperation;
  result: 'success' | 'failure';
  /** The mailbox acted on (its primary address), if any. */
  mailbox?: string | null;
  /** Who acted: an address, `token:<name>`, `cli` or `system`. */
  actor: string;
  logonType: LogonType;
  clientIp?: string | null;
  protocol?: string | null;
  clientInfo?: string | null;
  sessionId?: string | null;
  folder?: string | null;
  destinationFolder?: string | null;
  itemIds?: readonly string[] | null;
  messageId?: string | null;
  subject?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditRecord {
  id: number;
  time: string;
  operation: string;
  result: 'success' | 'failure';
  mailbox: string | null;
  actor: string;
  logonType: string;
  clientIp: string | null;
  protocol: string | null;
  clientInfo: string | null;
  sessionId: string | null;
  folder: string | null;
  destinationFolder: string | null;
  itemIds: string[] | null;
  messageId: string | null;
  subject: string | null;
  details: Record<string, unknown> | null;
  hash: string;
}

/** Who performs an admin or self-service action, as it goes into the audit record. */
export interface Actor {
  actor: string;
  logonType: LogonType;
  clientIp?: string | null;
  clientInfo?: string | null;
  protocol?: string | null;
}
