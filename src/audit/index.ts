export { type AuditLog, createAuditLog } from './audit-log.js';
export {
  type Actor,
  type AuditOperation,
  type AuditRecord,
  type AuditRecordInput,
  auditOperations,
  isAuditOperation,
  type LogonType,
} from './events.js';
export type { AlsoWithin } from './group-commit.js';
export type { AuditSearchFilter, AuditSearchPage } from './search-records.js';
export type { ChainProblem, VerifyChainOutcome } from './verify-chain.js';
