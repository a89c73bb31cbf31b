import type { Actor } from '../audit/index.js';
import type { InboxRuleAccess } from './inbox-rule-access.js';
import { failure, type RespondDeps, type RespondFailure } from './respond-types.js';
import { inEnglish, phrase, type RespondPhrase } from './respond-words.js';

/** The playbook's steps, in the order they run. */
export const playbookStepNames = [
  'reset-password',
  'require-mfa',
  'revoke-api-tokens',
  'disable-inbox-rules',
  'end-mail-sessions',
  'release',
] as const;
export type PlaybookStepName = (typeof playbookStepNames)[number];

/** done: changed something; unchanged: nothing to do; skipped: not asked or not configured; failed/refused: see detail. */
export const playbookStepStatuses = ['done', 'unchanged', 'skipped', 'failed', 'refused'] as const;

export interface PlaybookStep {
  step: PlaybookStepName;
  status: (typeof playbookStepStatuses)[number];
  /** What it did, in English (the CLI, the API): the phrases below told in English. */
  detail: string;
  /** What it did, to be told in the reader's language (the console). */
  phrases: RespondPhrase[];
}

export interface SecureAccountOptions {
  /** Revoke every app password too (default true: a password reset alone leaves them working). */
  revokeAppPasswords?: boolean;
  /** Remove every second factor first (one the attacker registered), then require a new one. */
  resetMfa?: boolean;
  /** Deactivate the active Sieve script when it forwards or hides mail (default true). */
  disableInboxRules?: boolean;
  /** Release the sender from the restricted list once the rest is done. */
  release?: { reason: string; force?: boolean };
}

export type SecureAccountOutcome =
  | { ok: true; user: string; temporaryPassword: string; steps: PlaybookStep[] }
  | RespondFailure;

type PlaybookUser = { id: string; address: string };
type PlaybookDeps = { deps: RespondDeps; rules: Pick<InboxRuleAccess, 'disableInboxRules'> };

const stepOutcome = (
  step: PlaybookStepName,
  status: PlaybookStep['status'],
  ...phrases: RespondPhrase[]
): PlaybookStep => ({
  step,
  status,
  detail: inEnglish(phrases),
  phrases,
});

/**
 * The compromised-account playbook (PRODUCT.md, "Compromised-account playbook") as one call: the
 * steps run in order, each audited by the module that does it, and one SecureAccount record names
 * every step's outcome.
 */
export async function secureAccount(
  { deps, rules }: PlaybookDeps,
  reference: string,
  options: SecureAccountOptions,
  actor: Actor,
): Promise<SecureAccountOutcome> {
  const user = await deps.directory.findUser(reference);
  if (!user) return failure('user-not-found', `no user ${reference}`);
  // Deny the attacker first: every later step assumes the stolen credentials no longer work.
  const reset = await resetPassword(deps, user, options, actor);
  if (!reset.ok) return reset;
  const steps: PlaybookStep[] = [
    reset.step,
    await requireMfa(deps, user, options, actor),
    await revokeApiTokens(deps, user, actor),
    await disableInboxRules(deps, rules, user, options, actor),
    await endMailSessions(deps, user, actor),
    // Release, last, so that its checks see the secured account.
    await release(deps, user, options, actor),
  ];
  await recordPlaybook(deps, user, steps, actor);
  return { ok: true, user: user.address, temporaryPassword: reset.temporaryPassword, steps };
}

/** A temporary password; web sessions end, and app passwords are revoked unless kept. */
async function resetPassword(
  deps: RespondDeps,
  user: PlaybookUser,
  options: SecureAccountOptions,
  actor: Actor,
): Promise<{ ok: true; step: PlaybookStep; temporaryPassword: string } | RespondFailure> {
  const reset = await deps.identity.resetPassword(
    user.address,
    { revokeAppPasswords: options.revokeAppPasswords ?? true },
    actor,
  );
  if (!reset.ok) return failure('user-not-found', reset.message);
  const step = stepOutcome(
    'reset-password',
    'done',
    phrase('respond.step.passwordReset'),
    options.revokeAppPasswords === false
      ? phrase('respond.step.appPasswordsKept')
      : reset.revokedAppPasswords.length > 0
        ? phrase('respond.step.appPasswordsRevoked', { names: reset.revokedAppPasswords.join(', ') })
        : phrase('respond.step.noAppPasswords'),
  );
  return { ok: true, step, temporaryPassword: reset.temporaryPassword };
}

/** A second factor at the next sign-in (after removing the attacker's, if asked). */
async function requireMfa(
  deps: RespondDeps,
  user: PlaybookUser,
  options: SecureAccountOptions,
  actor: Actor,
): Promise<PlaybookStep> {
  if (options.resetMfa) await deps.identity.mfa.reset(user.address, actor);
  const mfa = await deps.identity.mfa.show(user.address);
  if (mfa.ok && mfa.mfa.state === 'disabled') {
    await deps.identity.mfa.enforce(user.address, actor);
    return stepOutcome(
      'require-mfa',
      'done',
      ...(options.resetMfa ? [phrase('respond.step.factorsRemoved')] : []),
      phrase('respond.step.mfaRequired'),
    );
  }
  return stepOutcome(
    'require-mfa',
    'unchanged',
    phrase(
      mfa.ok && mfa.mfa.state === 'enforced'
        ? 'respond.step.mfaAlreadyEnforced'
        : 'respond.step.mfaAlreadyEnabled',
    ),
  );
}

/** Tokens acting for this person (admins only) are sessions too. */
async function revokeApiTokens(deps: RespondDeps, user: PlaybookUser, actor: Actor): Promise<PlaybookStep> {
  const tokens = (await deps.directory.listApiTokens()).filter(
    (token) => token.ownerUserId === user.id && !token.revoked,
  );
  for (const token of tokens) await deps.directory.revokeApiToken(token.name, actor);
  if (tokens.length > 0)
    return stepOutcome(
      'revoke-api-tokens',
      'done',
      phrase('respond.step.tokensRevoked', { names: tokens.map((token) => token.name).join(', ') }),
    );
  return stepOutcome('revoke-api-tokens', 'unchanged', phrase('respond.step.noTokens'));
}

const NO_MAIL_SERVER = phrase('respond.step.noMailServer');

/** The inbox rules in the mail server: the active script stops when it forwards or hides mail. */
async function disableInboxRules(
  deps: RespondDeps,
  rules: PlaybookDeps['rules'],
  user: PlaybookUser,
  options: SecureAccountOptions,
  actor: Actor,
): Promise<PlaybookStep> {
  if (!deps.mailServer) return stepOutcome('disable-inbox-rules', 'skipped', NO_MAIL_SERVER);
  if (options.disableInboxRules === false)
    return stepOutcome('disable-inbox-rules', 'skipped', phrase('respond.step.notAsked'));
  const disabled = await rules.disableInboxRules(user.address, {}, actor);
  if (!disabled.ok)
    return stepOutcome(
      'disable-inbox-rules',
      'failed',
      phrase('respond.step.mailServerFailed', { reason: disabled.message }),
    );
  if (!disabled.deactivated)
    return stepOutcome('disable-inbox-rules', 'unchanged', phrase('respond.step.noRuleToDisable'));
  return stepOutcome(
    'disable-inbox-rules',
    'done',
    phrase('respond.step.scriptDeactivated', { script: disabled.deactivated }),
    ...disabled.scripts
      .filter((script) => script.name === disabled.deactivated || script.includedByActive)
      .flatMap((script) => script.findings.map((finding) => finding.phrase)),
  );
}

/** The open mail sessions (deny, flush, kick), audited as EndMailSessions. */
async function endMailSessions(deps: RespondDeps, user: PlaybookUser, actor: Actor): Promise<PlaybookStep> {
  if (!deps.mailServer) return stepOutcome('end-mail-sessions', 'skipped', NO_MAIL_SERVER);
  const ended = await deps.mailServer.endMailSessions(user.address);
  if (!ended.ok)
    return stepOutcome(
      'end-mail-sessions',
      'failed',
      phrase('respond.step.mailServerFailed', { reason: ended.message }),
    );
  await deps.audit.append({
    operation: 'EndMailSessions',
    result: 'success',
    mailbox: user.address,
    ...actor,
    details: { sessionsEnded: ended.value.sessionsEnded },
  });
  return ended.value.sessionsEnded > 0
    ? stepOutcome(
        'end-mail-sessions',
        'done',
        phrase('respond.step.sessionsClosed', { count: ended.value.sessionsEnded }),
        phrase('respond.step.loginsForgotten'),
      )
    : stepOutcome(
        'end-mail-sessions',
        'unchanged',
        phrase('respond.step.noSessions'),
        phrase('respond.step.loginsForgotten'),
      );
}

/** The sender leaves the restricted list, when asked and when outbound's release checks pass. */
async function release(
  deps: RespondDeps,
  user: PlaybookUser,
  options: SecureAccountOptions,
  actor: Actor,
): Promise<PlaybookStep> {
  if (!options.release) return stepOutcome('release', 'skipped', phrase('respond.step.notAsked'));
  const released = await deps.outbound.release(user.address, options.release, actor);
  if (released.ok) return stepOutcome('release', 'done', phrase('respond.step.released'));
  if (released.code === 'not-restricted')
    return stepOutcome('release', 'unchanged', phrase('respond.step.notRestricted'));
  return stepOutcome(
    'release',
    'refused',
    phrase(
      released.code === 'release-refused' ? 'respond.step.releaseRefused' : 'respond.step.releaseFailed',
    ),
  );
}

/** One SecureAccount record naming every step's outcome: a failure when any step failed or was refused. */
async function recordPlaybook(
  deps: RespondDeps,
  user: PlaybookUser,
  steps: readonly PlaybookStep[],
  actor: Actor,
): Promise<void> {
  await deps.audit.append({
    operation: 'SecureAccount',
    result: steps.some((entry) => entry.status === 'failed' || entry.status === 'refused')
      ? 'failure'
      : 'success',
    mailbox: user.address,
    ...actor,
    details: { steps: steps.map((entry) => ({ step: entry.step, status: entry.status })) },
  });
}
