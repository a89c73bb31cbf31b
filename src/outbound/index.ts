export type {
  ExternalCheckInput,
  ExternalCheckOutcome,
  ExternalEvidence,
  ExternalSpamCheck,
} from './external-spam-check.js';
export { UNKNOWN_OUTCOME } from './journal-recovery.js';
export type { Judgement, MessageBudget, MessageToJudge, SubmittingUser } from './message-budget.js';
export { type MessageSummary, summarizeMessage } from './message-summary.js';
export {
  createOutbound,
  type Outbound,
  type OutboundDeps,
  type ReleaseOptions,
  type ReleaseOutcome,
  unknownLoginCounterKey,
} from './outbound.js';
export {
  type OutboundFailure,
  type OutboundFailureCode,
  outboundFailureCodes,
} from './outbound.outcomes.js';
export {
  DEFAULT_POLICY_SETTINGS,
  type LimitAction,
  type PolicySettings,
  policyFields,
} from './policy-settings.js';
export type { HeldMessageSender, Quarantine, QuarantinedMessage } from './quarantine.js';
export {
  createRefusedSubmissions,
  REFUSAL_WINDOW_MS,
  type RefusedSubmission,
  type RefusedSubmissions,
} from './refused-submissions.js';
export type { Restriction, RestrictionEvidence, RestrictionReason } from './restrictions.js';
export { type HourOfSending, MINUTE_MS } from './send-counters.js';
export {
  type JournalNote,
  type JournalProblem,
  journalFileOf,
  listJournalFiles,
  openSendJournal,
  SEND_JOURNAL_FOLDER,
  type SendJournal,
} from './send-journal.js';
export { RESERVATION_TTL_MS } from './send-reservations.js';
export {
  DEFAULT_POLICY_NAME,
  type PolicyChange,
  type PolicyScope,
  type SendingPolicy,
} from './sending-policies.js';
export { DEFAULT_SPAM_WEIGHTS, type Finding, type Verdict } from './spam/index.js';
export type { UnrecordedSend, UnrecordedSends } from './unrecorded-sends.js';
