export { type InboxRuleFinding, type InboxRuleFindingKind, inboxRuleFindingKinds } from './inbox-rules.js';
export type { MailServer, MailServerResult, SieveScriptEntry } from './mail-server.js';
export {
  createRespond,
  type DisableInboxRulesOutcome,
  type InboxRuleChange,
  type InboxRuleScript,
  type InboxRulesOutcome,
  type PlaybookStep,
  type PlaybookStepName,
  playbookStepNames,
  playbookStepStatuses,
  type Respond,
  type RespondDeps,
  type RespondFailure,
  type SecureAccountOptions,
  type SecureAccountOutcome,
} from './respond.js';
export { sieveActions, sieveRedirectTargets } from './sieve-rules.js';
