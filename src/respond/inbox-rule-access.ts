import type { Actor } from '../audit/index.js';
import { isSuspicious, judgeInboxRules } from './inbox-rules.js';
import type { MailServer } from './mail-server.js';
import type { OwnDeactivations } from './own-deactivations.js';
import {
  type DisableInboxRulesOutcome,
  failure,
  type InboxRuleScript,
  type InboxRulesOutcome,
  notConfigured,
  type RespondDeps,
  type RespondFailure,
} from './respond-types.js';
import { sieveIncludes } from './sieve-rules.js';

export type ReadRulesOutcome = { ok: true; scripts: InboxRuleScript[] } | RespondFailure;

/**
 * A mailbox's inbox rules through the mail server: read and judged, and stopped by deactivating the
 * active Sieve script (audited as DisableInboxRules).
 */
export function createInboxRuleAccess(deps: RespondDeps, own: OwnDeactivations) {
  const judgeContext = async () => {
    const domains = new Set((await deps.directory.listDomains()).map((domain) => domain.name.toLowerCase()));
    return { isInternalDomain: (domain: string) => domains.has(domain), trashFolders: deps.trashFolders };
  };

  /** Every script of the mailbox, judged; an unreadable script is listed with no findings. */
  async function readRules(mailServer: MailServer, address: string): Promise<ReadRulesOutcome> {
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
    const running = runningScripts(
      listed.value.filter((entry) => entry.active).map((entry) => entry.name),
      texts,
    );
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
   * record names who asked, and why. A failure when the mail server could not do it.
   */
  async function deactivateActiveScript(
    mailServer: MailServer,
    address: string,
    script: string,
    actor: Actor,
    details: Record<string, unknown>,
  ): Promise<{ ok: true } | RespondFailure> {
    await own.note(address);
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

  return { judgeContext, readRules, deactivateActiveScript, inboxRules, disableInboxRules };
}

export type InboxRuleAccess = ReturnType<typeof createInboxRuleAccess>;

/** What the active scripts include runs with them: follows includes, each script once. */
function runningScripts(active: readonly string[], texts: ReadonlyMap<string, string>): Set<string> {
  const running = new Set<string>();
  const pending = [...active];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (running.has(name)) continue;
    running.add(name);
    pending.push(...sieveIncludes(texts.get(name) ?? '').filter((included) => texts.has(included)));
  }
  return running;
}
