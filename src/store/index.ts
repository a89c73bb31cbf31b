export type { AuditHead, AuditRowWriter } from './audit-rows.js';
export type {
  AddressTable,
  AlertTable,
  ApiTokenTable,
  AuditCheckpointTable,
  AuditLogTable,
  Database,
  DomainTable,
  GroupMemberTable,
  GroupTable,
  MailboxAuditSettingTable,
  NotificationDeliveryTable,
  QuarantineTable,
  RestrictionTable,
  SendCounterTable,
  SendingPolicyTable,
  UserTable,
  WebhookTable,
} from './schema.js';
export { type Dialect, type Executor, openStore, type Store, type StoreOptions } from './store.js';
