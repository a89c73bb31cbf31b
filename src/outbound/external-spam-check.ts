import type { Finding } from './spam/index.js';

/**
 * A spam engine the site already runs (Rspamd), asked about each outgoing message besides
 * Mailwarden's own analysers. The adapter (mailstack/rspamd/) does the I/O and never throws: an
 * engine that is down, slow or garbled is an outcome, and the message is judged on Mailwarden's own
 * findings alone.
 */
export interface ExternalSpamCheck {
  check(message: ExternalCheckInput): Promise<ExternalCheckOutcome>;
}

export interface ExternalCheckInput {
  raw: Buffer;
  envelopeFrom: string;
  recipients: readonly string[];
  clientIp: string | null;
  /** The signed-in account: the engine treats the message as authenticated (outbound). */
  user: string;
  queueId: string | null;
}

export type ExternalCheckOutcome =
  | {
      ok: true;
      engine: 'rspamd';
      score: number;
      requiredScore: number;
      /** The engine's action: `reject`, `add header`, `rewrite subject`, `greylist`, `no action`… */
      action: string;
      /** Its symbols, highest score first (at most 20). */
      symbols: Array<{ name: string; score: number }>;
    }
  | { ok: false; engine: 'rspamd'; problem: 'timeout' | 'unreachable' | 'bad-response'; detail: string };

/** What a verdict keeps of the engine's answer: its score and symbols, or why there was none. */
export type ExternalEvidence =
  | { engine: 'rspamd'; score: number; requiredScore: number; action: string; symbols: string[] }
  | { engine: 'rspamd'; unavailable: 'timeout' | 'unreachable' | 'bad-response' };

/**
 * The engine's verdict as Mailwarden findings, weighed like any other (spamWeights; 0 switches one
 * off): at or above its reject score RSPAMD_REJECT, at its "add header" / "rewrite subject" score
 * RSPAMD_SPAM. The engine's own thresholds decide which, so a site's Rspamd tuning carries over.
 */
export function externalFindings(outcome: ExternalCheckOutcome): Finding[] {
  if (!outcome.ok) return [];
  const detail = `Rspamd score ${outcome.score} of ${outcome.requiredScore} (${outcome.action})${
    outcome.symbols.length > 0
      ? `: ${outcome.symbols
          .slice(0, 8)
          .map((symbol) => `${symbol.name} ${symbol.score}`)
          .join(', ')}`
      : ''
  }`;
  if (outcome.action === 'reject') return [{ name: 'RSPAMD_REJECT', detail }];
  if (outcome.action === 'add header' || outcome.action === 'rewrite subject')
    return [{ name: 'RSPAMD_SPAM', detail }];
  return [];
}

export function externalEvidence(outcome: ExternalCheckOutcome): ExternalEvidence {
  return outcome.ok
    ? {
        engine: outcome.engine,
        score: outcome.score,
        requiredScore: outcome.requiredScore,
        action: outcome.action,
        symbols: outcome.symbols.map((symbol) => symbol.name),
      }
    : { engine: outcome.engine, unavailable: outcome.problem };
}
