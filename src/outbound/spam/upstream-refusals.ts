import type { AnalysisInput } from './analysis-input.js';
import type { Finding } from './finding.js';

/** Share of recipients the upstream refused at which the account's mail looks like spam to others. */
export const REFUSAL_RATE = 0.3;
/** A rate over fewer recipients than this is noise (one bounce out of two is not a pattern). */
export const REFUSAL_MIN_VOLUME = 20;
const HOURS_PER_WEEK = 168;

/**
 * UPSTREAM_REFUSALS: receivers already refuse much of this account's mail (unknown users from a
 * harvested list, blocklisted content). The volume behind the rate is estimated from the 7-day
 * baseline plus this hour, the recent sending the rate was measured on.
 */
export function analyzeUpstreamRefusals(input: AnalysisInput): Finding[] {
  const { upstreamRefusalRate: rate, baselineRecipientsPerHour, recipientsThisHour } = input.sender;
  if (rate === null || !Number.isFinite(rate) || rate < REFUSAL_RATE) return [];
  const volume =
    (Number.isFinite(baselineRecipientsPerHour)
      ? Math.max(0, baselineRecipientsPerHour) * HOURS_PER_WEEK
      : 0) + (Number.isFinite(recipientsThisHour) ? Math.max(0, recipientsThisHour) : 0);
  if (volume < REFUSAL_MIN_VOLUME) return [];
  return [
    {
      name: 'UPSTREAM_REFUSALS',
      detail: `the upstream refused ${Math.round(Math.min(rate, 1) * 100)}% of this account's recent recipients`,
    },
  ];
}
