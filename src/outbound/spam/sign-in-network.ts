import type { AnalysisInput } from './analysis-input.js';
import type { Finding } from './finding.js';

/** NEW_NETWORK: signed in from a network or country this account was never seen on. Weak alone. */
export function analyzeSignInNetwork(input: AnalysisInput): Finding[] {
  if (input.sender.newNetwork !== true) return [];
  return [{ name: 'NEW_NETWORK', detail: 'signed in from a network or country never seen for this account' }];
}
