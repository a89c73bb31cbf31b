/**
 * The settings of a sending policy (PRODUCT.md, "Outbound spam policy"), their defaults and allowed
 * ranges, in one table that validation, the CLI, the API and the docs all read.
 */
import { type Message, message } from '../i18n/index.js';

export type LimitAction = 'restrict' | 'restrict-today' | 'alert';
export type ExternalForwarding = 'off' | 'on' | 'automatic';
export type SpamAction = 'hold' | 'reject';

export interface PolicySettings {
  externalPerHour: number;
  internalPerHour: number;
  perDay: number;
  perMessage: number;
  perMinute: number;
  action: LimitAction;
  externalForwarding: ExternalForwarding;
  /** Score at or above which a message gets the spam action. */
  spamScore: number;
  spamAction: SpamAction;
  /** This many spam verdicts within spamWindowMinutes restrict the sender. */
  spamVerdictsToRestrict: number;
  spamWindowMinutes: number;
  /** Early warning ("Suspicious email sending patterns detected") at this share of a limit. */
  earlyWarningPercent: number;
  /** Finding name → weight; a finding not listed weighs its default (spam/spam-weights.ts); 0 switches it off. */
  spamWeights: Record<string, number>;
}

type NumberField = { kind: 'integer'; min: number; max: number; description: string };
type EnumField = { kind: 'enum'; values: readonly string[]; description: string };

/**
 * Upper bounds are higher than the hosted reference's 10,000 a day on purpose: a self-hosted org may
 * run a legitimate bulk sender (newsletters, invoicing) through the same gateway under its own policy.
 */
export const policyFields: Record<Exclude<keyof PolicySettings, 'spamWeights'>, NumberField | EnumField> = {
  externalPerHour: {
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    description: 'recipients outside the org per rolling hour',
  },
  internalPerHour: {
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    description: 'recipients inside the org per rolling hour',
  },
  perDay: { kind: 'integer', min: 1, max: 1_000_000, description: 'recipients per rolling 24 hours (all)' },
  perMessage: { kind: 'integer', min: 1, max: 1000, description: 'envelope recipients of one message' },
  perMinute: {
    kind: 'integer',
    min: 1,
    max: 100_000,
    description: 'messages per minute; above it: 451 4.7.1',
  },
  action: {
    kind: 'enum',
    values: ['restrict', 'restrict-today', 'alert'],
    description: 'what reaching an hourly or daily limit does',
  },
  externalForwarding: {
    kind: 'enum',
    values: ['off', 'on', 'automatic'],
    description:
      'automatic forwarding to external addresses (automatic = off): beside Dovecot, a Sieve rule that forwards outside is deactivated when saved',
  },
  spamScore: {
    kind: 'integer',
    min: 1,
    max: 1000,
    description: 'spam score at which the spam action applies',
  },
  spamAction: {
    kind: 'enum',
    values: ['hold', 'reject'],
    description: 'what a spam verdict does with the message',
  },
  spamVerdictsToRestrict: {
    kind: 'integer',
    min: 1,
    max: 1000,
    description: 'spam verdicts within the window that restrict the sender',
  },
  spamWindowMinutes: { kind: 'integer', min: 1, max: 1440, description: 'window for counting spam verdicts' },
  earlyWarningPercent: {
    kind: 'integer',
    min: 1,
    max: 100,
    description: 'share of a limit that raises an early warning',
  },
};

/** The defaults: stricter than the reference's service limits, at the recommended values. */
export const DEFAULT_POLICY_SETTINGS: Readonly<PolicySettings> = Object.freeze({
  externalPerHour: 500,
  internalPerHour: 1000,
  perDay: 1000,
  perMessage: 500,
  perMinute: 30,
  action: 'restrict',
  externalForwarding: 'automatic',
  spamScore: 10,
  spamAction: 'hold',
  spamVerdictsToRestrict: 3,
  spamWindowMinutes: 60,
  earlyWarningPercent: 80,
  spamWeights: {},
});

export type SettingsOutcome = { ok: true; settings: PolicySettings } | { ok: false; problems: Message[] };

/**
 * Applies changes to a base, naming every field that is out of range, and its range. The field's name,
 * its bounds and the value given are data in each problem (src/i18n/messages/problems.ts).
 */
export function applySettings(base: PolicySettings, changes: Record<string, unknown>): SettingsOutcome {
  const problems: Message[] = [];
  const next: PolicySettings = { ...base, spamWeights: { ...base.spamWeights } };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (name === 'spamWeights') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        problems.push(message('policy.problem.spamWeights', { field: 'spamWeights' }));
        continue;
      }
      for (const [finding, weight] of Object.entries(value as Record<string, unknown>)) {
        if (!/^[A-Z][A-Z0-9_]{1,63}$/.test(finding))
          problems.push(message('policy.problem.findingName', { field: `spamWeights.${finding}` }));
        else if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < -100 || weight > 100)
          problems.push(
            message('policy.problem.weight', { field: `spamWeights.${finding}`, min: '-100', max: '100' }),
          );
        else next.spamWeights[finding] = weight;
      }
      continue;
    }
    const field = policyFields[name as keyof typeof policyFields];
    if (!field) {
      problems.push(message('policy.problem.unknownSetting', { field: name }));
      continue;
    }
    if (field.kind === 'integer') {
      const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (
        typeof number !== 'number' ||
        !Number.isInteger(number) ||
        number < field.min ||
        number > field.max
      ) {
        problems.push(
          message('policy.problem.wholeNumberGot', {
            field: name,
            min: String(field.min),
            max: String(field.max),
            value: String(JSON.stringify(value)),
          }),
        );
        continue;
      }
      (next as unknown as Record<string, unknown>)[name] = number;
    } else {
      if (typeof value !== 'string' || !field.values.includes(value)) {
        problems.push(
          message('policy.problem.oneOf', {
            field: name,
            values: field.values.join(', '),
            value: String(JSON.stringify(value)),
          }),
        );
        continue;
      }
      (next as unknown as Record<string, unknown>)[name] = value;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: next };
}
