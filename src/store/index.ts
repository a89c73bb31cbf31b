export { compiledQuery, type ParameterOf } from './compiled-query.js';
export type {
  AddressTable,
  AlertTable,
  ApiTokenTable,
  AuditLogTable,
  Database,
  DomainTable,
  GroupMemberTable,
  GroupTable,
  NotificationDeliveryTable,
  QuarantineTable,
  RestrictionTable,
  SendCounterTable,
  SendingPolicyTable,
  UserTable,
  WebhookTable,
} from './schema.js';
export { type Dialect, type Executor, openStore, type Store, type StoreOptions } from './store.js';
