import type { Alerts } from '../alerts/index.js';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { Store } from '../store/index.js';
import type { ExternalSpamCheck } from './external-spam-check.js';
import { recoverJournalNotes } from './journal-recovery.js';
import { type BudgetDeps, MessageBudget, type SubmittingUser } from './message-budget.js';
import { type OutboundFailure, outboundFailure } from './outbound.outcomes.js';
import { createQuarantine } from './quarantine.js';
import { createRefusedSubmissions } from './refused-submissions.js';
import { findActiveRestriction, markReleased, type Restriction, toRestriction } from './restrictions.js';
import { type HourOfSending, pruneCounters, readSendingState, sendingPerHour } from './send-counters.js';
import { type JournalProblem, readJournalFile } from './send-journal.js';
import { pruneReservations } from './send-reservations.js';
import { createSenderHistory } from './sender-history.js';
import {
  deletePolicy,
  listPolicies,
  matchPolicy,
  type PolicyChange,
  type SendingPolicy,
  setPolicy,
} from './sending-policies.js';
import { createUnrecordedSends } from './unrecorded-sends.js';

export interface OutboundDeps {
  store: Store;
  audit: AuditLog;
  alerts: Alerts;
  directory: Directory;
  clock: Clock;
  /**
   * Policies and the org's domains are read at most this often per process (they change rarely and
   * are needed on every message). A change made here is seen at once here, and by other instances
   * within this time.
   */
  settingsCacheMs?: number;
  /** Told when a refused submission's audit record cannot be written. */
  logger?: Logger;
  /** How long repeats of one refusal join one audit record (refused-submissions.ts). */
  refusalWindowMs?: number;
  /** The site's spam engine (spam.rspamdUrl); unset: Mailwarden's own analysers only. */
  externalSpamCheck?: ExternalSpamCheck;
}

export interface ReleaseOptions {
  reason: string;
  force?: boolean;
}

export type ReleaseOutcome =
  | { ok: true; restriction: Restriction }
  | (OutboundFailure & { unmetChecks?: string[] });

/** The send counters' key of a login that is no user: a prefix no UUID has, then the login. */
export function unknownLoginCounterKey(login: string): string {
  return `unknown-login:${login.trim().toLowerCase()}`;
}

/** The release check's words when the account has no second factor (shown to the admin, audited). */
const MFA_NOT_ON = 'multi-factor authentication is not on (mailwarden user mfa enforce <user>)';

export function createOutbound(deps: OutboundDeps) {
  const cacheMs = deps.settingsCacheMs ?? 5000;
  const senderHistory = createSenderHistory(deps);
  let cached: {
    until: number;
    policies: SendingPolicy[];
    /** What every MessageBudget of this period shares (built once, not per message). */
    budgetDeps: BudgetDeps;
  } | null = null;

  const settings = async () => {
    const now = deps.clock.nowMs();
    if (!cached || cached.until <= now) {
      const [policies, listed] = await Promise.all([
        listPolicies(deps.store.db),
        deps.directory.listDomains(),
      ]);
      const domains = new Set(listed.map((domain) => domain.name));
      cached = {
        until: now + cacheMs,
        policies,
        budgetDeps: {
          ...deps,
          senderHistory,
          orgDomains: [...domains],
          isInternalDomain: (domain) => domains.has(domain),
        },
      };
    }
    return cached;
  };
  const quarantine = createQuarantine(deps);
  const unrecordedSends = createUnrecordedSends(deps);
  const refusals = createRefusedSubmissions({
    audit: deps.audit,
    clock: deps.clock,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.refusalWindowMs !== undefined ? { windowMs: deps.refusalWindowMs } : {}),
  });
  const groupCache = new Map<string, { until: number; groups: string[] }>();
  const forget = () => {
    cached = null;
    groupCache.clear();
  };
  // A policy, domain, group or setting changed on any instance: read them again at the next message.
  deps.store.changes.subscribe('policies', forget);
  deps.store.changes.subscribe('settings', forget);
  const groupsOf = async (userId: string): Promise<string[]> => {
    const now = deps.clock.nowMs();
    const hit = groupCache.get(userId);
    if (hit && hit.until > now) return hit.groups;
    const groups = await deps.directory.groupsOf(userId);
    if (groupCache.size >= 10_000) groupCache.clear();
    groupCache.set(userId, { until: now + cacheMs, groups });
    return groups;
  };

  const policyFor = async (
    user: SubmittingUser,
  ): Promise<{ policy: SendingPolicy; budgetDeps: BudgetDeps }> => {
    const current = await settings();
    const groups = await groupsOf(user.id);
    const domain = user.address.slice(user.address.lastIndexOf('@') + 1);
    return {
      policy: matchPolicy(current.policies, { address: user.address, domain, groups }),
      budgetDeps: current.budgetDeps,
    };
  };

  return {
    /**
     * MAIL FROM: a restricted sender is refused (550 5.1.8 at the gateway); above the per-minute rate
     * the message is deferred (451 4.7.1). Otherwise the message's budget for its RCPTs.
     */
    async beginMessage(user: SubmittingUser): Promise<{ ok: true; budget: MessageBudget } | OutboundFailure> {
      const now = deps.clock.nowMs();
      const { policy, budgetDeps } = await policyFor(user);
      // One statement on the common path; the restriction rows are read only when there are some.
      const state = await readSendingState(deps.store.db, user.id, now, policy.settings.spamWindowMinutes);
      if (state.restrictionRows > 0 && (await findActiveRestriction(deps.store.db, user.id, now)))
        return outboundFailure('sender-restricted');
      if (state.windows.messagesThisMinute >= policy.settings.perMinute)
        return outboundFailure('rate-limited', `at most ${policy.settings.perMinute} messages per minute`);
      const budget = new MessageBudget(budgetDeps, user, policy, state.windows);
      return { ok: true, budget };
    },

    /**
     * A message from a login that the mail server authenticated but that is no Mailwarden user (an
     * account Mailwarden was never told about): counted under the default policy like anyone's, so it
     * cannot escape every limit, and reported with the "Unknown authenticated sender" alert. Its
     * counters are keyed by `unknownLoginCounterKey` (never a user id, which is a UUID); reaching a
     * limit refuses the message, but nothing is restricted or released, since there is no account.
     */
    async beginUnknownLoginMessage(
      login: string,
      context: { clientIp: string | null },
    ): Promise<{ ok: true; budget: MessageBudget } | OutboundFailure> {
      const now = deps.clock.nowMs();
      const current = await settings();
      const policy = matchPolicy(current.policies, { address: '', domain: '', groups: [] });
      const user = { id: unknownLoginCounterKey(login), address: login.trim().toLowerCase() };
      const raised = await deps.store.writeTransaction(async (trx) => [
        await deps.alerts.raiseWithin(trx, {
          type: 'unknown-sender',
          mailbox: user.address,
          evidence: { login: user.address, clientIp: context.clientIp, policy: policy.name },
        }),
      ]);
      deps.alerts.announce(raised);
      const state = await readSendingState(deps.store.db, user.id, now, policy.settings.spamWindowMinutes);
      if (state.windows.messagesThisMinute >= policy.settings.perMinute)
        return outboundFailure('rate-limited', `at most ${policy.settings.perMinute} messages per minute`);
      const budget = new MessageBudget(current.budgetDeps, user, policy, state.windows, {
        accountless: true,
      });
      return { ok: true, budget };
    },

    /**
     * At start, before the gateway listens: the notes that ended processes left open in these
     * journal files become Send records with outcome unknown (journal-recovery.ts), one transaction
     * each. Lines that cannot be read are returned, not thrown: they must not stop the start. The
     * caller empties a file only after this resolved (a database error rejects, and the notes stay).
     */
    async recoverSendJournals(
      files: readonly string[],
      logger: Logger,
    ): Promise<{ recovered: number; problems: JournalProblem[] }> {
      let recovered = 0;
      const problems: JournalProblem[] = [];
      for (const file of files) {
        const contents = readJournalFile(file);
        problems.push(...contents.problems);
        recovered += await recoverJournalNotes({ ...deps, logger }, contents.open);
      }
      return { recovered, problems };
    },

    /** Delivered messages whose Send record could not be written: counted and alerted. */
    unrecordedSends,

    async isRestricted(userId: string): Promise<boolean> {
      return (await findActiveRestriction(deps.store.db, userId, deps.clock.nowMs())) !== null;
    },

    listPolicies: () => listPolicies(deps.store.db),
    async getPolicy(name: string): Promise<SendingPolicy | null> {
      return (
        (await listPolicies(deps.store.db)).find((policy) => policy.name === name.trim().toLowerCase()) ??
        null
      );
    },
    async setPolicy(name: string, change: PolicyChange, actor: Actor) {
      const outcome = await setPolicy(deps, name, change, actor);
      forget();
      return outcome;
    },
    async deletePolicy(name: string, actor: Actor) {
      const outcome = await deletePolicy(deps, name, actor);
      forget();
      return outcome;
    },
    /** The policy that applies to a user now, for `policy show --user` and the console. */
    async effectivePolicy(reference: string): Promise<SendingPolicy | null> {
      const user = await deps.directory.findUser(reference);
      return user ? (await policyFor({ id: user.id, address: user.address })).policy : null;
    },

    /**
     * A user's sending per clock hour over the last `hours` (at most 168, the counters' week), only
     * the hours with sends, and the policy that applies now: the evidence of a restriction at a glance.
     */
    async sendingPerHour(
      reference: string,
      hours = 48,
    ): Promise<{ ok: true; hours: HourOfSending[]; policy: SendingPolicy } | OutboundFailure> {
      const user = await deps.directory.findUser(reference);
      if (!user) return outboundFailure('user-not-found', `no user ${reference}`);
      const span = Math.min(Math.max(Math.floor(hours), 1), 168);
      const [perHour, { policy }] = await Promise.all([
        sendingPerHour(deps.store.db, user.id, deps.clock.nowMs(), span),
        policyFor({ id: user.id, address: user.address }),
      ]);
      return { ok: true, hours: perHour, policy };
    },

    /** Everyone restricted now, newest first. */
    async listRestricted(): Promise<Restriction[]> {
      const now = deps.clock.nowMs();
      const rows = await deps.store.db
        .selectFrom('restrictions')
        .innerJoin('users', 'users.id', 'restrictions.user_id')
        .selectAll('restrictions')
        .select('users.address')
        .where('restrictions.released_at', 'is', null)
        .where((eb) => eb.or([eb('restrictions.until', 'is', null), eb('restrictions.until', '>', now)]))
        .orderBy('restrictions.since', 'desc')
        .execute();
      return rows.map(({ address, ...row }) => toRestriction(row, address));
    },

    /** A user's restrictions, newest first (the active one, if any, comes first). */
    async restrictionsOf(
      reference: string,
    ): Promise<{ ok: true; restrictions: Restriction[] } | OutboundFailure> {
      const user = await deps.directory.findUser(reference);
      if (!user) return outboundFailure('user-not-found', `no user ${reference}`);
      const rows = await deps.store.db
        .selectFrom('restrictions')
        .selectAll()
        .where('user_id', '=', user.id)
        .orderBy('since', 'desc')
        .limit(50)
        .execute();
      return { ok: true, restrictions: rows.map((row) => toRestriction(row, user.address)) };
    },

    /**
     * Release checks that the account was secured after the restriction (PRODUCT.md, "Release"): the
     * password was changed since, and MFA is on — registered, or enforced by an admin so that the next
     * sign-in needs it and mail clients can no longer use the account password. `force` overrides with
     * the written reason; both the release and what it overrode are audited.
     */
    async release(reference: string, options: ReleaseOptions, actor: Actor): Promise<ReleaseOutcome> {
      const reason = options.reason.trim();
      if (reason.length < 3)
        return outboundFailure('invalid-reason', 'a release needs a written reason of at least 3 characters');
      const user = await deps.directory.findUser(reference);
      if (!user) return outboundFailure('user-not-found', `no user ${reference}`);
      const now = deps.clock.nowMs();
      return deps.store.writeTransaction(async (trx): Promise<ReleaseOutcome> => {
        const active = await findActiveRestriction(trx, user.id, now);
        if (!active) return outboundFailure('not-restricted', `${user.address} is not restricted`);
        const unmet: string[] = [];
        const changedAt = user.passwordChangedAt === null ? 0 : Date.parse(user.passwordChangedAt);
        if (changedAt <= active.since) unmet.push('the password was not changed since the restriction');
        const mfa = await trx
          .selectFrom('users')
          .select('mfa_state')
          .where('id', '=', user.id)
          .executeTakeFirst();
        if (!mfa || mfa.mfa_state === 'disabled') unmet.push(MFA_NOT_ON);
        if (unmet.length > 0 && !options.force)
          return {
            ...outboundFailure(
              'release-refused',
              `secure the account first: ${unmet.join('; ')} (or force the release with a written reason)`,
            ),
            unmetChecks: unmet,
          };
        const released = await markReleased(
          trx,
          deps.audit,
          active,
          user.address,
          { nowMs: now, reason, forced: unmet.length > 0, overridden: unmet },
          actor,
        );
        return { ok: true, restriction: toRestriction(released, user.address) };
      });
    },

    quarantine,

    /** The audit trail of refused and held submissions, grouped per burst (both adapters record). */
    refusals,

    /** Writes the open refusal groups; the app calls it before the audit log closes. */
    close: () => refusals.flush(),

    /**
     * Drops counter rows no window reads any more, and reservations past their time (of a process
     * that died mid-message); the server runs this periodically. How many rows went.
     */
    pruneCounters: () =>
      deps.store.writeTransaction(
        async (trx) =>
          (await pruneCounters(trx, deps.clock.nowMs())) + (await pruneReservations(trx, deps.clock.nowMs())),
      ),
  };
}

export type Outbound = ReturnType<typeof createOutbound>;
