import type { Actor } from '../audit/index.js';
import { createInboxRuleAccess } from './inbox-rule-access.js';
import { reviewInboxRuleChange } from './inbox-rule-review.js';
import { createOwnDeactivations } from './own-deactivations.js';
import { type SecureAccountOptions, secureAccount } from './playbook.js';
import type { InboxRuleChange, RespondDeps } from './respond-types.js';

/**
 * Responding to a compromised account (PRODUCT.md, "Compromised-account playbook"): its inbox rules,
 * read and disabled through the mail server (inbox-rule-access.ts), the whole playbook as one call
 * (playbook.ts), and the review of every rule change Dovecot reports (inbox-rule-review.ts).
 */
export function createRespond(deps: RespondDeps) {
  const own = createOwnDeactivations(deps.store.siblings);
  const rules = createInboxRuleAccess(deps, own);
  return {
    inboxRules: rules.inboxRules,
    disableInboxRules: rules.disableInboxRules,
    secureAccount: (reference: string, options: SecureAccountOptions, actor: Actor) =>
      secureAccount({ deps, rules }, reference, options, actor),
    reviewInboxRuleChange: (change: InboxRuleChange) => reviewInboxRuleChange({ deps, rules }, change),
    isOwnDeactivation: own.isOwnDeactivation,
  };
}

export type Respond = ReturnType<typeof createRespond>;
