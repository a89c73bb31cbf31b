export type {
  AddressTable,
  ApiTokenTable,
  AuditLogTable,
  Database,
  DomainTable,
  UserTable,
} from './schema.js';
export { type Dialect, type Executor, openStore, type Store, type StoreOptions } from './store.js';
