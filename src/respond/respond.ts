import type { Alert, Alerts } from '../alerts/index.js';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { Identity } from '../identity/index.js';
import type { Outbound } from '../outbound/index.js';
import type { Store } from '../store/index.js';
import { type InboxRuleFinding, isSuspicious, isSuspiciousFinding, judgeInboxRules } from './inbox-rules.js';
import type { MailServer } from './mail-server.js';
import { sieveIncludes } from './sieve-rules.js';

export interface RespondDeps {
  directory: Pick<Directory, 'findUser' | 'listDomains' | 'listApiTokens' | 'revokeApiToken'>;
  identity: Pick<Identity, 'resetPassword'> & { mfa: Pick<Identity['mfa'], 'show' | 'enforce' | 'reset'> };
  outbound: Pick<Outbound, 'release' | 'effectivePolicy'>;
  audit: Pick<AuditLog, 'append'>;
  alerts: Pick<Alerts, 'raiseWithin' | 'announce'>;
  store: Pick<Store, 'writeTransaction'>;
  /** Null when no mail server is configured (dovecot.doveadmUrl unset): rules are out of reach. */
  mailServer: MailServer | null;
  /** Filing into one of these is deleting (dovecot.trashFolders). */
  trashFolders: readonly string[];
}

export type RespondFailure = {
  ok: false;
  code: 'user-not-found' | 'mail-server-not-configured' | 'mail-server-unavailable';
  message: string;
};

/** One Sieve script of a mailbox, judged. */
export interface InboxRuleScript {
  name: string;
  active: boolean;
  /** Whether the active script pulls this one in (`include :personal`): it runs too. */
  includedByActive: boolean;
  findings: InboxRuleFinding[];
  suspicious: boolean;
}

export type InboxRulesOutcome = { ok: true; user: string; scripts: InboxRuleScript[] } | RespondFailure;

export type DisableInboxRulesOutcome =
  | {
      ok: true;
      user: string;
      /** The script deactivated, or null when nothing that runs forwards or hides mail. */
      deactivated: string | null;
      scripts: InboxRuleScript[];
    }
  | RespondFailure;

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
  detail: string;
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

/** A Sieve script saved or activated in the mail server, with its text (from the event ingest). */
export interface InboxRuleChange {
  user: string;
  script: string;
  /** save or activate. */
  action: string;
  /** Who changed it, as the audit record names them (the user, or doveadm). */
  actor: string;
  text: string;
}

export type SecureAccountOutcome =
  | { ok: true; user: string; temporaryPassword: string; steps: PlaybookStep[] }
  | RespondFailure;

/** How far apart Mailwarden's asking doveadm to deactivate and Dovecot's event of it may be. */
const OWN_DEACTIVATION_MS = 60_000;

function failure(code: RespondFailure['code'], message: string): RespondFailure {
  return { ok: false, code, message };
}

/**
 * Responding to a compromised account (PRODUCT.md, "Compromised-account playbook"): its inbox rules,
 * read and disabled through the mail server, and the whole playbook as one call. Every step is audited
 * by the module that does it; the playbook adds one SecureAccount record naming every step's outcome.
 */
export function createRespond(deps: RespondDeps) {
  const judgeContext = async () => {
    const domains = new Set((await deps.directory.listDomains()).map((domain) => domain.name.toLowerCase()));
    return { isInternalDomain: (domain: string) => domains.has(domain), trashFolders: deps.trashFolders };
  };

  /** Every script of the mailbox, judged; an unreadable script is listed with no findings. */
  async function readRules(mailServer: MailServer, address: string) {
    const listed = await mailServer.listSieveScripts(address);
    if (!listed.ok)
      return listed.code === 'mailbox-unknown-to-mail-server'
        ? { ok: true as const, scripts: [] }
        : failure('mail-server-unavailable', listed.message);
    const context = await judgeContext();
    const texts = new Map<string, string>();
    for (const entry of listed.value) {
      const text = await mailServer.readSieveScript(address, entry.name);
      if (!text.ok && text.code === 'mail-server-unavailable')
        return failure('mail-server-unavailable', text.message);
      texts.set(entry.name, text.ok ? text.value : '');
    }
    // What the active script includes runs with it: follow includes, each script once.
    const running = new Set<string>();
    const pending = listed.value.filter((entry) => entry.active).map((entry) => entry.name);
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (running.has(name)) continue;
      running.add(name);
      pending.push(...sieveIncludes(texts.get(name) ?? '').filter((included) => texts.has(included)));
    }
    const scripts = listed.value.map((entry): InboxRuleScript => {
      const findings = judgeInboxRules(texts.get(entry.name) ?? '', context);
      return {
        name: entry.name,
        active: entry.active,
        includedByActive: !entry.active && running.has(entry.name),
        findings,
        suspicious: isSuspicious(findings),
      };
    });
    return { ok: true as const, scripts };
  }

  /**
   * Stops every rule at once (Pigeonhole runs one active script; the scripts stay, as evidence) and
   * audits it as DisableInboxRules. Dovecot's own event of this change names only "doveadm"; this
   * record names who asked, and why. False when the mail server could not do it.
   */
  async function deactivateActiveScript(
    mailServer: MailServer,
    address: string,
    script: string,
    actor: Actor,
    details: Record<string, unknown>,
  ): Promise<{ ok: true } | RespondFailure> {
    noteOwnDeactivation(address);
    const done = await mailServer.deactivateSieveScript(address);
    if (!done.ok) return failure('mail-server-unavailable', done.message);
    await deps.audit.append({
      operation: 'DisableInboxRules',
      result: 'success',
      mailbox: address,
      ...actor,
      details: { script, ...details },
    });
    return { ok: true };
  }

  /**
   * Deactivations this process asked doveadm for, by mailbox: when each was asked. Dovecot's event of
   * such a deactivation is not recorded again (isOwnDeactivation); after a restart it would be, a
   * repeat rather than a loss.
   */
  const ownDeactivations = new Map<string, number[]>();
  function noteOwnDeactivation(address: string): void {
    const key = address.toLowerCase();
    ownDeactivations.set(key, [...(ownDeactivations.get(key) ?? []), Date.now()]);
  }
  /** Whether Dovecot's doveadm deactivation of this mailbox at timeMs is one this process asked for. */
  function isOwnDeactivation(mailbox: string, timeMs: number): boolean {
    const nowMs = Date.now();
    for (const [key, times] of ownDeactivations) {
      const fresh = times.filter((askedMs) => nowMs - askedMs <= OWN_DEACTIVATION_MS);
      if (fresh.length === 0) ownDeactivations.delete(key);
      else ownDeactivations.set(key, fresh);
    }
    const times = ownDeactivations.get(mailbox.toLowerCase()) ?? [];
    const index = times.findIndex((askedMs) => Math.abs(timeMs - askedMs) <= OWN_DEACTIVATION_MS);
    if (index === -1) return false;
    times.splice(index, 1);
    return true;
  }

  async function inboxRules(reference: string): Promise<InboxRulesOutcome> {
    const user = await deps.directory.findUser(reference);
    if (!user) return failure('user-not-found', `no user ${reference}`);
    if (!deps.mailServer) return notConfigured();
    const read = await readRules(deps.mailServer, user.address);
    return read.ok ? { ok: true, user: user.address, scripts: read.scripts } : read;
  }

  async function disableInboxRules(
    reference: string,
    options: { evenIfHarmless?: boolean },
    actor: Actor,
  ): Promise<DisableInboxRulesOutcome> {
    const user = await deps.directory.findUser(reference);
    if (!user) return failure('user-not-found', `no user ${reference}`);
    const mailServer = deps.mailServer;
    if (!mailServer) return notConfigured();
    const read = await readRules(mailServer, user.address);
    if (!read.ok) return read;
    const active = read.scripts.find((script) => script.active);
    const runningFindings = read.scripts
      .filter((script) => script.active || script.includedByActive)
      .flatMap((script) => script.findings);
    if (!active || (!isSuspicious(runningFindings) && !options.evenIfHarmless))
      return { ok: true, user: user.address, deactivated: null, scripts: read.scripts };
    const done = await deactivateActiveScript(mailServer, user.address, active.name, actor, {
      findings: runningFindings.map((finding) => finding.description),
      forwardingRemoved: runningFindings
        .filter((finding) => finding.kind === 'external-forwarding' || finding.kind === 'internal-forwarding')
        .map((finding) => finding.target),
    });
    if (!done.ok) return done;
    return {
      ok: true,
      user: user.address,
      deactivated: active.name,
      scripts: read.scripts.map((script) => ({ ...script, active: false })),
    };
  }

  async function secureAccount(
    reference: string,
    options: SecureAccountOptions,
    actor: Actor,
  ): Promise<SecureAccountOutcome> {
    const user = await deps.directory.findUser(reference);
    if (!user) return failure('user-not-found', `no user ${reference}`);
    const steps: PlaybookStep[] = [];
    const step = (name: PlaybookStepName, status: PlaybookStep['status'], detail: string) =>
      steps.push({ step: name, status, detail });

    // 1. Deny the attacker first: every later step assumes the stolen credentials no longer work.
    const reset = await deps.identity.resetPassword(
      user.address,
      { revokeAppPasswords: options.revokeAppPasswords ?? true },
      actor,
    );
    if (!reset.ok) return failure('user-not-found', reset.message);
    step(
      'reset-password',
      'done',
      'temporary password set, to be changed at the next sign-in; web sessions ended' +
        (options.revokeAppPasswords === false
          ? '; app passwords kept'
          : reset.revokedAppPasswords.length > 0
            ? `; app passwords revoked: ${reset.revokedAppPasswords.join(', ')}`
            : '; no app passwords to revoke'),
    );

    // 2. A second factor at the next sign-in (after removing the attacker's, if asked).
    if (options.resetMfa) await deps.identity.mfa.reset(user.address, actor);
    const mfa = await deps.identity.mfa.show(user.address);
    if (mfa.ok && mfa.mfa.state === 'disabled') {
      await deps.identity.mfa.enforce(user.address, actor);
      step(
        'require-mfa',
        'done',
        `${options.resetMfa ? 'second factors removed; ' : ''}a second factor must be registered at the next sign-in`,
      );
    } else
      step(
        'require-mfa',
        'unchanged',
        `multi-factor authentication is already ${mfa.ok ? mfa.mfa.state : 'on'}`,
      );

    // 3. Tokens acting for this person (admins only) are sessions too.
    const tokens = (await deps.directory.listApiTokens()).filter(
      (token) => token.ownerUserId === user.id && !token.revoked,
    );
    for (const token of tokens) await deps.directory.revokeApiToken(token.name, actor);
    if (tokens.length > 0)
      step('revoke-api-tokens', 'done', `revoked: ${tokens.map((token) => token.name).join(', ')}`);
    else step('revoke-api-tokens', 'unchanged', 'the account owns no API tokens');

    // 4 and 5. What lives in the mail server: the rules, then the open sessions (deny, flush, kick).
    if (!deps.mailServer) {
      const why = 'no mail server is configured (dovecot.doveadmUrl)';
      step('disable-inbox-rules', 'skipped', why);
      step('end-mail-sessions', 'skipped', why);
    } else {
      if (options.disableInboxRules === false) step('disable-inbox-rules', 'skipped', 'not asked');
      else {
        const disabled = await disableInboxRules(user.address, {}, actor);
        if (!disabled.ok) step('disable-inbox-rules', 'failed', disabled.message);
        else if (disabled.deactivated)
          step(
            'disable-inbox-rules',
            'done',
            `deactivated the Sieve script "${disabled.deactivated}" (kept, not deleted): ${disabled.scripts
              .filter((script) => script.name === disabled.deactivated || script.includedByActive)
              .flatMap((script) => script.findings.map((finding) => finding.description))
              .join('; ')}`,
          );
        else step('disable-inbox-rules', 'unchanged', 'no active rule forwards or hides mail');
      }
      const ended = await deps.mailServer.endMailSessions(user.address);
      if (!ended.ok) step('end-mail-sessions', 'failed', ended.message);
      else {
        await deps.audit.append({
          operation: 'EndMailSessions',
          result: 'success',
          mailbox: user.address,
          ...actor,
          details: { sessionsEnded: ended.value.sessionsEnded },
        });
        step(
          'end-mail-sessions',
          ended.value.sessionsEnded > 0 ? 'done' : 'unchanged',
          ended.value.sessionsEnded > 0
            ? `closed ${ended.value.sessionsEnded} open mail session(s); cached logins forgotten`
            : 'no open mail sessions; cached logins forgotten',
        );
      }
    }

    // 6. Release, last, so that its checks see the secured account.
    if (!options.release) step('release', 'skipped', 'not asked');
    else {
      const released = await deps.outbound.release(user.address, options.release, actor);
      if (released.ok) step('release', 'done', 'released from the restricted senders list');
      else if (released.code === 'not-restricted') step('release', 'unchanged', released.message);
      else step('release', 'refused', released.message);
    }

    await deps.audit.append({
      operation: 'SecureAccount',
      result: steps.some((entry) => entry.status === 'failed' || entry.status === 'refused')
        ? 'failure'
        : 'success',
      mailbox: user.address,
      ...actor,
      details: { steps: steps.map((entry) => ({ step: entry.step, status: entry.status })) },
    });
    return { ok: true, user: user.address, temporaryPassword: reset.temporaryPassword, steps };
  }

  /**
   * Enforcement of the sending policy's `externalForwarding` (PRODUCT.md: `off`, `on`, `automatic` =
   * off): when it is not `on` for the mailbox, a rule forwarding outside the organization that runs
   * (in the active script, or one it includes) is stopped by deactivating the active script, as soon
   * as Dovecot reports it. A saved script that is not active forwards nothing and is left alone until
   * it is activated. Returns the policy in force and whether this call deactivated the script.
   */
  async function enforceForwardingPolicy(
    address: string,
    script: string,
    forwardingTo: readonly (string | null)[],
  ): Promise<{ sendingPolicy: string; externalForwarding: string; deactivated: boolean } | null> {
    const policy = await deps.outbound.effectivePolicy(address);
    if (!policy) return null;
    const verdict = { sendingPolicy: policy.name, externalForwarding: policy.settings.externalForwarding };
    const mailServer = deps.mailServer;
    if (!mailServer || policy.settings.externalForwarding === 'on') return { ...verdict, deactivated: false };
    const read = await readRules(mailServer, address);
    const running =
      read.ok &&
      read.scripts.some((entry) => entry.name === script && (entry.active || entry.includedByActive));
    const active = read.ok ? read.scripts.find((entry) => entry.active) : undefined;
    if (!running || !active) return { ...verdict, deactivated: false };
    const done = await deactivateActiveScript(
      mailServer,
      address,
      active.name,
      { actor: 'system', logonType: 'system' },
      {
        reason: forwardingOffReason(policy.settings.externalForwarding, policy.name),
        policy: policy.name,
        forwardingRemoved: [...forwardingTo],
      },
    );
    return { ...verdict, deactivated: done.ok };
  }

  /**
   * Detection (PRODUCT.md, "Alerts" and the playbook's symptoms): a rule that forwards outside the
   * organization raises "Forwarding rule to an external domain created", one that deletes, hides or
   * marks mail as read "Suspicious inbox rule created". A save and the activation that follows it join
   * one alert (grouped per account and type). A forwarding rule the sending policy does not allow is
   * stopped first (enforceForwardingPolicy), and the alert says so. Returns the alerts raised or grouped.
   */
  async function reviewInboxRuleChange(change: InboxRuleChange): Promise<Alert[]> {
    const findings = judgeInboxRules(change.text, await judgeContext());
    const forwarding = findings.filter((finding) => finding.kind === 'external-forwarding');
    const hiding = findings.filter(
      (finding) => isSuspiciousFinding(finding) && finding.kind !== 'external-forwarding',
    );
    if (forwarding.length === 0 && hiding.length === 0) return [];
    const forwardingTo = forwarding.map((finding) => finding.target);
    const user = await deps.directory.findUser(change.user);
    const mailbox = user?.address ?? change.user.toLowerCase();
    // A mailbox Mailwarden does not know has no sending policy to enforce.
    const enforced =
      user && forwarding.length > 0
        ? await enforceForwardingPolicy(user.address, change.script, forwardingTo)
        : null;
    const evidence = {
      script: change.script,
      action: change.action,
      changedBy: change.actor,
      findings: findings.map((finding) => finding.description),
      forwardingTo,
      // The policy in force, whichever of a save and its activation deactivated the script.
      ...(enforced
        ? { sendingPolicy: enforced.sendingPolicy, externalForwarding: enforced.externalForwarding }
        : {}),
    };
    const raised = await deps.store.writeTransaction(async (trx) => [
      ...(forwarding.length > 0
        ? [await deps.alerts.raiseWithin(trx, { type: 'external-forwarding-rule', mailbox, evidence })]
        : []),
      ...(hiding.length > 0
        ? [await deps.alerts.raiseWithin(trx, { type: 'suspicious-inbox-rule', mailbox, evidence })]
        : []),
    ]);
    deps.alerts.announce(raised);
    return raised.map((entry) => entry.alert);
  }

  return { inboxRules, disableInboxRules, secureAccount, reviewInboxRuleChange, isOwnDeactivation };
}

function notConfigured(): RespondFailure {
  return failure(
    'mail-server-not-configured',
    "inbox rules live in Dovecot: set dovecot.doveadmUrl and dovecot.doveadmApiKey (Dovecot's doveadm HTTP API)",
  );
}

export type Respond = ReturnType<typeof createRespond>;

/** Why the forwarding enforcement stopped a rule: `external forwarding is off (automatic) in the sending policy "default"`. */
function forwardingOffReason(setting: string, policy: string): string {
  const how = setting === 'off' ? 'off' : `off (${setting})`;
  return `external forwarding is ${how} in the sending policy ${JSON.stringify(policy)}`;
}
