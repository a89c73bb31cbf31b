import type { Finding } from './finding.js';
import { DEFAULT_SPAM_WEIGHTS } from './spam-weights.js';

export type SpamVerdictAction = 'relay' | 'hold' | 'reject';

export interface Verdict {
  score: number;
  findings: Array<Finding & { weight: number }>;
  action: SpamVerdictAction;
  /** The site's spam engine's answer (or why there was none), when one is configured. */
  external?: Readonly<Record<string, unknown>>;
}

export interface SpamThreshold {
  /** Score at or above which the message gets spamAction. */
  spamScore: number;
  spamAction: 'hold' | 'reject';
}

function weightOf(name: string, weights: Readonly<Record<string, number>>): number {
  for (const table of [weights, DEFAULT_SPAM_WEIGHTS]) {
    if (!Object.hasOwn(table, name)) continue;
    const weight = table[name];
    if (typeof weight === 'number' && Number.isFinite(weight)) return weight;
  }
  return 0;
}

/**
 * Weighs findings with the policy's spamWeights (a finding it does not list weighs its default from
 * DEFAULT_SPAM_WEIGHTS, else 0), sums them and compares the sum with the policy's threshold.
 */
export function scoreFindings(
  findings: readonly Finding[],
  weights: Readonly<Record<string, number>>,
  threshold: SpamThreshold,
): Verdict {
  const weighed = findings.map((finding) => ({ ...finding, weight: weightOf(finding.name, weights) }));
  // Rounded so that fractional weights (0.1 + 0.2) compare with the threshold as a person would.
  const score = Math.round(weighed.reduce((sum, finding) => sum + finding.weight, 0) * 1000) / 1000;
  return {
    score,
    findings: weighed,
    action: score >= threshold.spamScore ? threshold.spamAction : 'relay',
  };
}
