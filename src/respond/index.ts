export { type InboxRuleFinding, type InboxRuleFindingKind, inboxRuleFindingKinds } from './inbox-rules.js';
export type { MailServer, MailServerResult, SieveScriptEntry } from './mail-server.js';
export {
  type PlaybookStep,
  type PlaybookStepName,
  playbookStepNames,
  playbookStepStatuses,
  type SecureAccountOptions,
  type SecureAccountOutcome,
} from './playbook.js';
export { createRespond, type Respond } from './respond.js';
export type {
  DisableInboxRulesOutcome,
  InboxRuleChange,
  InboxRuleScript,
  InboxRulesOutcome,
  RespondDeps,
  RespondFailure,
} from './respond-types.js';
export {
  type RespondMessageKey,
  type RespondPhrase,
  respondMessageKeys,
} from './respond-words.js';
export { sieveActions, sieveRedirectTargets } from './sieve-rules.js';
