import { type MessageKey, type MessageParams, type Phrase, translator } from '../i18n/index.js';

/**
 * Every catalogue key the respond module words its findings and playbook steps with. The module
 * returns them as phrases (key and values) so each reader gets their own language; the English
 * `description` and `detail` that the CLI, the API and the audit log carry are the same phrases told
 * in English, so there is one wording. test/i18n/domain-words.test.ts reads this list.
 */
export const respondMessageKeys = [
  'respond.finding.forwardsInternal',
  'respond.finding.forwardsInternalCopy',
  'respond.finding.forwardsExternal',
  'respond.finding.forwardsExternalCopy',
  'respond.finding.discards',
  'respond.finding.rejects',
  'respond.finding.movesToTrash',
  'respond.finding.hidesInFolder',
  'respond.finding.filesInto',
  'respond.finding.marksRead',
  'respond.finding.flagsDeleted',
  'respond.step.passwordReset',
  'respond.step.appPasswordsKept',
  'respond.step.appPasswordsRevoked',
  'respond.step.noAppPasswords',
  'respond.step.factorsRemoved',
  'respond.step.mfaRequired',
  'respond.step.mfaAlreadyEnabled',
  'respond.step.mfaAlreadyEnforced',
  'respond.step.tokensRevoked',
  'respond.step.noTokens',
  'respond.step.noMailServer',
  'respond.step.notAsked',
  'respond.step.mailServerFailed',
  'respond.step.noRuleToDisable',
  'respond.step.scriptDeactivated',
  'respond.step.sessionsClosed',
  'respond.step.noSessions',
  'respond.step.loginsForgotten',
  'respond.step.released',
  'respond.step.notRestricted',
  'respond.step.releaseRefused',
  'respond.step.releaseFailed',
] as const satisfies readonly MessageKey[];

export type RespondMessageKey = (typeof respondMessageKeys)[number];
export type RespondPhrase = Phrase<RespondMessageKey>;

export function phrase(key: RespondMessageKey, params: MessageParams = {}): RespondPhrase {
  return { key, params };
}

const english = translator('en');

/** The phrases in English, one sentence part each: the `description` / `detail` of the CLI and API. */
export function inEnglish(phrases: readonly RespondPhrase[]): string {
  return phrases.map((part) => english(part.key, part.params)).join('; ');
}
