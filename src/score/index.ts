export type {
  ControlDefinition,
  MeasuredState,
  Measurement,
  ScoreCategory,
} from './control-definition.js';
export { scoreCategories } from './control-definition.js';
export {
  type ControlOverride,
  type OverrideStatus,
  overrideStatuses,
  type SettableStatus,
  settableStatuses,
} from './control-statuses.js';
export { RECOMMENDED_LIMITS } from './controls/mail-flow.js';
export { controlDefinitions, controlIds } from './controls.js';
export type { CategoryTotal, ControlStatus, ScoredControl, ScoreReport } from './evaluate.js';
export { errorReason, finding, type ScoreMessageKey } from './finding.js';
export { createScore, MAX_HISTORY_DAYS, type Score, type ScoreDeps } from './score.js';
export { type ScoreFailure, type ScoreFailureCode, scoreFailureCodes } from './score.outcomes.js';
export {
  type AccountCounts,
  type ChainStatus,
  type DeliveryCounts,
  type DomainCheckName,
  type DomainCheckResult,
  domainCheckNames,
  type MailSignInMode,
  type MfaCoverage,
  type MfaSettings,
  type NotificationChannels,
  notAvailable,
  type PasswordStorage,
  type PolicyFacts,
  type Reading,
  reading,
  type ScoreInputs,
  type SubmissionFacts,
} from './score-inputs.js';
export type { ScoreSnapshot, SnapshotTrigger } from './snapshots.js';
