import type { Alerts } from '../alerts/index.js';
import type { Executor } from '../store/index.js';
import { type OutboundFailure, outboundFailure } from './outbound.outcomes.js';
import {
  findActiveRestriction,
  gatherEvidence,
  insertRestriction,
  type RestrictionReason,
} from './restrictions.js';
import { recordSend, type SendWindows } from './send-counters.js';
import type { SendingPolicy } from './sending-policies.js';
import { type Judgement, type JudgementDeps, judgeMessage, type MessageToJudge } from './spam-judgement.js';

export type { Judgement, MessageToJudge } from './spam-judgement.js';

export interface SubmittingUser {
  id: string;
  address: string;
}

export interface BudgetDeps extends JudgementDeps {
  isInternalDomain(domain: string): boolean;
}

interface LimitCheck {
  reason: RestrictionReason;
  used: number;
  limit: number;
  code: 'hourly-limit-reached' | 'daily-limit-reached';
}

/**
 * One message's view of the sender's budget: the windows read at MAIL FROM plus the recipients this
 * message adds. Each RCPT is checked against the per-message cap and the hourly and daily limits;
 * reaching a limit applies the policy's action once.
 *
 * Concurrency: two sessions of the same account read the windows independently, so together they
 * can pass a limit by at most one message's recipients each; the next message sees the sum.
 */
export class MessageBudget {
  private internalRecipients = 0;
  private externalRecipients = 0;
  /** Set once a limit restricted the sender: every later RCPT and the DATA get this refusal. */
  blocked: OutboundFailure | null = null;

  constructor(
    private readonly deps: BudgetDeps,
    readonly user: SubmittingUser,
    readonly policy: SendingPolicy,
    private readonly windows: SendWindows,
    /** A login without an account (outbound.beginUnknownLoginMessage): limits refuse, never restrict. */
    private readonly options: { accountless: boolean } = { accountless: false },
  ) {}

  get recipientCount(): number {
    return this.internalRecipients + this.externalRecipients;
  }

  async checkRecipient(address: string): Promise<{ ok: true } | OutboundFailure> {
    if (this.blocked) return this.blocked;
    const settings = this.policy.settings;
    if (this.recipientCount >= settings.perMessage)
      return outboundFailure('too-many-recipients', `at most ${settings.perMessage} recipients per message`);
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    const internal = this.deps.isInternalDomain(domain);
    const checks: LimitCheck[] = [
      internal
        ? {
            reason: 'hourly-internal-limit',
            used: this.windows.internalThisHour + this.internalRecipients,
            limit: settings.internalPerHour,
            code: 'hourly-limit-reached',
          }
        : {
            reason: 'hourly-external-limit',
            used: this.windows.externalThisHour + this.externalRecipients,
            limit: settings.externalPerHour,
            code: 'hourly-limit-reached',
          },
      {
        reason: 'daily-limit',
        used: this.windows.recipientsToday + this.recipientCount,
        limit: settings.perDay,
        code: 'daily-limit-reached',
      },
    ];
    for (const check of checks) {
      if (check.used + 1 <= check.limit) continue;
      const refusal = await this.limitReached(check);
      if (refusal) return refusal;
    }
    await this.warnEarly(checks);
    if (internal) this.internalRecipients += 1;
    else this.externalRecipients += 1;
    return { ok: true };
  }

  /** Counts the delivered message inside the transaction that writes its Send record. */
  readonly recordDeliveredWithin = async (trx: Executor): Promise<void> => {
    await recordSend(trx, this.user.id, this.deps.clock.nowMs(), {
      messages: 1,
      internalRecipients: this.internalRecipients,
      externalRecipients: this.externalRecipients,
      spamVerdicts: 0,
    });
  };

  /**
   * The spam verdict (spam-judgement.ts). A verdict that restricts the sender blocks this session's
   * later messages too.
   */
  async judge(message: MessageToJudge): Promise<Judgement> {
    const judgement = await judgeMessage(
      this.deps,
      { user: this.user, policy: this.policy, windows: this.windows },
      message,
    );
    if (judgement.action !== 'relay' && judgement.restricted)
      this.blocked = outboundFailure('sender-restricted');
    return judgement;
  }

  private async limitReached(check: LimitCheck): Promise<OutboundFailure | null> {
    const settings = this.policy.settings;
    const now = this.deps.clock.nowMs();
    const counts = { used: check.used, limit: check.limit };
    // Alerts raised before the windows restarted belong to the episode a release closed: a limit
    // reached again is a new alert, not a repeat counted on the old one.
    const groupsSinceMs = this.windows.restartedAtMs ?? undefined;
    const exceeded = {
      type: 'sending-limit-exceeded' as const,
      mailbox: this.user.address,
      groupsSinceMs,
    };
    if (settings.action === 'alert' || this.options.accountless) {
      await this.raise([
        {
          ...exceeded,
          evidence: {
            limitKind: check.reason,
            ...counts,
            action: this.options.accountless && settings.action !== 'alert' ? 'refuse' : 'alert',
            policy: this.policy.name,
          },
        },
      ]);
      if (this.options.accountless && settings.action !== 'alert') return this.refuseAtLimit(check);
      return null;
    }
    const evidence = await gatherEvidence(
      this.deps.audit,
      this.user.address,
      { nowMs: now, restartedAtMs: this.windows.restartedAtMs },
      counts,
      this.policy.version,
    );
    const action = settings.action;
    const raised = await this.deps.store.writeTransaction(async (trx) => {
      if (!(await findActiveRestriction(trx, this.user.id, now))) {
        await insertRestriction(trx, this.deps.audit, {
          userId: this.user.id,
          mailbox: this.user.address,
          reason: check.reason,
          policyName: this.policy.name,
          action,
          nowMs: now,
          evidence,
        });
      }
      const alertEvidence = { limitKind: check.reason, ...counts, action, policy: this.policy.name };
      return [
        await this.deps.alerts.raiseWithin(trx, {
          type: 'user-restricted',
          mailbox: this.user.address,
          groupsSinceMs,
          evidence: { ...alertEvidence, ...evidence },
        }),
        await this.deps.alerts.raiseWithin(trx, { ...exceeded, evidence: alertEvidence }),
      ];
    });
    this.deps.alerts.announce(raised);
    return this.refuseAtLimit(check);
  }

  private refuseAtLimit(check: LimitCheck): OutboundFailure {
    this.blocked = outboundFailure(
      check.code,
      check.code === 'daily-limit-reached'
        ? "Your message can't be sent because you've reached your daily limit for message recipients"
        : "Your message can't be sent because you've reached your hourly limit for message recipients",
    );
    return this.blocked;
  }

  /** "Suspicious email sending patterns detected": the moment a window crosses the warning share. */
  private async warnEarly(checks: readonly LimitCheck[]): Promise<void> {
    const percent = this.policy.settings.earlyWarningPercent;
    for (const check of checks) {
      const threshold = Math.ceil((check.limit * percent) / 100);
      if (check.used < threshold && check.used + 1 >= threshold) {
        await this.raise([
          {
            type: 'suspicious-sending',
            mailbox: this.user.address,
            groupsSinceMs: this.windows.restartedAtMs ?? undefined,
            evidence: {
              limitKind: check.reason,
              used: check.used + 1,
              limit: check.limit,
              percent,
              policy: this.policy.name,
            },
          },
        ]);
      }
    }
  }

  private async raise(inputs: Parameters<Alerts['raiseWithin']>[1][]): Promise<void> {
    const raised = await this.deps.store.writeTransaction(async (trx) => {
      const results = [];
      for (const input of inputs) results.push(await this.deps.alerts.raiseWithin(trx, input));
      return results;
    });
    this.deps.alerts.announce(raised);
  }
}
