import type { AnalysisInput } from './analysis-input.js';
import type { Finding } from './finding.js';

/** A burst is this many times the account's own hourly average … */
export const BURST_FACTOR = 10;
/** … and never fewer recipients in the hour than this, so quiet accounts may still send a mailing. */
export const BURST_FLOOR = 50;

function count(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** SEND_BURST: this hour's recipients, this message included, far above the account's 7-day baseline. */
export function analyzeVolume(input: AnalysisInput): Finding[] {
  const { sender } = input;
  const total = count(sender.recipientsThisHour) + input.recipients.length;
  const limit = Math.max(BURST_FACTOR * count(sender.baselineRecipientsPerHour), BURST_FLOOR);
  if (total <= limit) return [];
  const baseline = Math.round(count(sender.baselineRecipientsPerHour) * 10) / 10;
  return [
    {
      name: 'SEND_BURST',
      detail: `${total} recipients this hour against a 7-day average of ${baseline} per hour (burst above ${limit})`,
    },
  ];
}
