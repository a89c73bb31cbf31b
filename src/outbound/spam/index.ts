/**
 * Outbound spam analysis, pure: analysers name what they see in a message and its sender's context
 * (SCREAMING_SNAKE findings), and scoreFindings weighs them with the policy's spamWeights, falling
 * back to DEFAULT_SPAM_WEIGHTS. No I/O; never throws on malformed mail.
 */
export { analyzeMessage, type MessageToAnalyze } from './analyze-message.js';
export type { Finding } from './finding.js';
export { type SpamThreshold, type SpamVerdictAction, scoreFindings, type Verdict } from './score-findings.js';
export type { SenderContext } from './sender-context.js';
export { DEFAULT_SPAM_WEIGHTS } from './spam-weights.js';
