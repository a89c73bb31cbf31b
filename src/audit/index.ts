export type { AnchorHeadOutcome, AnchoringOptions, HeadCheck } from './anchoring.js';
export { type SealedRecord, sealRecord } from './append-records.js';
export { type AuditLog, type AuditLogDeps, createAuditLog, type RecordedOperation } from './audit-log.js';
export {
  type Actor,
  type AuditOperation,
  type AuditRecord,
  type AuditRecordInput,
  auditOperations,
  isAuditOperation,
  type LogonType,
  mailboxItemOperations,
} from './events.js';
export { type AuditExportFormat, csvColumns } from './export-records.js';
export type { AlsoWithin } from './group-commit.js';
export type { IngestCursor } from './ingest-writer.js';
export {
  type GroupedOperation,
  type IngestStep,
  ITEM_WINDOW_MS,
  type ItemActivity,
  MAX_WINDOW_ITEMS,
  SESSION_END_GRACE_MS,
} from './item-windows.js';
export type {
  MailboxAuditCoverage,
  MailboxAuditSetting,
  SetMailboxAuditOutcome,
} from './mailbox-settings.js';
export type { PruneOutcome } from './retention.js';
export type { AuditSearchFilter, AuditSearchPage } from './search-records.js';
export type { AnchorsChecked, ChainProblem, VerifyChainOutcome } from './verify-chain.js';
