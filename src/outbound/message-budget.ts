import { randomUUID } from 'node:crypto';
import type { Alerts } from '../alerts/index.js';
import type { Executor } from '../store/index.js';
import { type OutboundFailure, outboundFailure } from './outbound.outcomes.js';
import {
  findActiveRestriction,
  gatherEvidence,
  insertRestriction,
  type RestrictionReason,
} from './restrictions.js';
import { readSendingState, recordSend, type SendWindows } from './send-counters.js';
import {
  dropReservation,
  RESERVATION_TTL_MS,
  renewReservation,
  reservedByOthers,
  saveReservation,
} from './send-reservations.js';
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
 * One message's view of the sender's budget. Each RCPT is checked against the per-message cap and the
 * hourly and daily limits; reaching a limit applies the policy's action once.
 *
 * Concurrency: the limits are exact across sessions, processes and instances on one database. A
 * recipient is checked and reserved in one write transaction, against what the account sent (the
 * send counters) plus what its other messages in flight reserved (send-reservations.ts): of sessions
 * that reach a limit together, exactly the limit's worth of recipients is accepted. The reservation
 * becomes the count in the transaction of the message's Send record (recordDeliveredWithin), or is
 * given back (giveBack) when the message is not sent: transaction reset or aborted, connection lost,
 * message refused or held, relay failed.
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

  /** This message's row in send_reservations (created at its first accepted recipient). */
  private readonly reservationId = randomUUID();
  private reserved = false;
  /** Given back: a reservation still being written (the connection went during RCPT) goes at once. */
  private givenBack = false;
  /** The Send record's transaction counted this message (and dropped its reservation). */
  private counted = false;
  /** When the reservation was last written (its expiry is this plus RESERVATION_TTL_MS). */
  private reservedAtMs = 0;

  async checkRecipient(address: string): Promise<{ ok: true } | OutboundFailure> {
    if (this.blocked) return this.blocked;
    const settings = this.policy.settings;
    if (this.recipientCount >= settings.perMessage)
      return outboundFailure('too-many-recipients', `at most ${settings.perMessage} recipients per message`);
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    const internal = this.deps.isInternalDomain(domain);
    // With the 'alert' action a limit only alerts: the recipient is accepted (and reserved) anyway.
    const refusesAtLimit = settings.action !== 'alert';
    const { checks, exceeded } = await this.deps.store.writeTransaction(async (trx) => {
      const nowMs = this.deps.clock.nowMs();
      const { windows } = await readSendingState(trx, this.user.id, nowMs, settings.spamWindowMinutes);
      const others = await reservedByOthers(trx, this.user.id, this.reservationId, nowMs);
      const checks = this.limitChecks(internal, {
        internalThisHour: windows.internalThisHour + others.internal,
        externalThisHour: windows.externalThisHour + others.external,
        recipientsToday: windows.recipientsToday + others.internal + others.external,
      });
      const exceeded = checks.filter((check) => check.used + 1 > check.limit);
      if (exceeded.length > 0 && refusesAtLimit) return { checks, exceeded };
      await saveReservation(trx, {
        id: this.reservationId,
        userId: this.user.id,
        internal: this.internalRecipients + (internal ? 1 : 0),
        external: this.externalRecipients + (internal ? 0 : 1),
        expiresAtMs: nowMs + RESERVATION_TTL_MS,
      });
      return { checks, exceeded };
    });
    for (const check of exceeded) {
      const refusal = await this.limitReached(check);
      if (refusal) return refusal;
    }
    this.reserved = true;
    this.reservedAtMs = this.deps.clock.nowMs();
    if (this.givenBack) await this.giveBack();
    await this.warnEarly(checks);
    if (internal) this.internalRecipients += 1;
    else this.externalRecipients += 1;
    return { ok: true };
  }

  /** The checks one more recipient must pass, with what is used so far (sent, reserved, this message). */
  private limitChecks(
    internal: boolean,
    used: { internalThisHour: number; externalThisHour: number; recipientsToday: number },
  ): LimitCheck[] {
    const settings = this.policy.settings;
    return [
      internal
        ? {
            reason: 'hourly-internal-limit',
            used: used.internalThisHour + this.internalRecipients,
            limit: settings.internalPerHour,
            code: 'hourly-limit-reached',
          }
        : {
            reason: 'hourly-external-limit',
            used: used.externalThisHour + this.externalRecipients,
            limit: settings.externalPerHour,
            code: 'hourly-limit-reached',
          },
      {
        reason: 'daily-limit',
        used: used.recipientsToday + this.recipientCount,
        limit: settings.perDay,
        code: 'daily-limit-reached',
      },
    ];
  }

  /**
   * What the pre-relay journal keeps so that a process ended mid-delivery can still count the message
   * once and remove its reservation (journal-recovery.ts).
   */
  journalFacts(): {
    userId: string;
    reservationId: string;
    internalRecipients: number;
    externalRecipients: number;
    policy: string;
    policyVersion: number;
  } {
    return {
      userId: this.user.id,
      reservationId: this.reservationId,
      internalRecipients: this.internalRecipients,
      externalRecipients: this.externalRecipients,
      policy: this.policy.name,
      policyVersion: this.policy.version,
    };
  }

  /**
   * Counts the delivered message inside the transaction that writes its Send record; its reservation
   * leaves in the same transaction, so the recipients are counted once, never twice or not at all.
   */
  readonly recordDeliveredWithin = async (trx: Executor): Promise<void> => {
    await recordSend(trx, this.user.id, this.deps.clock.nowMs(), {
      messages: 1,
      internalRecipients: this.internalRecipients,
      externalRecipients: this.externalRecipients,
      spamVerdicts: 0,
    });
    if (this.reserved) await dropReservation(trx, this.reservationId);
    // Nothing to give back once counted. Should this transaction still roll back and the record never
    // be written, the reservation keeps counting the delivered message until it expires.
    this.counted = true;
  };

  /**
   * Gives back the recipients this message reserved: it will not be sent. Harmless after the message
   * was counted (its reservation is gone already) and when called twice.
   */
  async giveBack(): Promise<void> {
    this.givenBack = true;
    if (!this.reserved || this.counted) return;
    this.reserved = false;
    await dropReservation(this.deps.store.db, this.reservationId);
  }

  /**
   * Keeps the reservation while the message is still being handled (called once its content has
   * arrived, before the verdict and delivery): rewritten only when half its time has passed.
   */
  private async keepReservation(): Promise<void> {
    const nowMs = this.deps.clock.nowMs();
    if (!this.reserved || nowMs - this.reservedAtMs < RESERVATION_TTL_MS / 2) return;
    await renewReservation(this.deps.store.db, this.reservationId, nowMs + RESERVATION_TTL_MS);
    this.reservedAtMs = nowMs;
  }

  /**
   * The spam verdict (spam-judgement.ts). A verdict that restricts the sender blocks this session's
   * later messages too.
   */
  async judge(message: MessageToJudge): Promise<Judgement> {
    await this.keepReservation();
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
