export type {
  AddressTable,
  AlertTable,
  ApiTokenTable,
  AuditLogTable,
  Database,
  DomainTable,
  GroupMemberTable,
  GroupTable,
  RestrictionTable,
  SendCounterTable,
  SendingPolicyTable,
  UserTable,
} from './schema.js';
export { type Dialect, type Executor, openStore, type Store, type StoreOptions } from './store.js';
