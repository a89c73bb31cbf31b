import type { ExternalCheckInput, ExternalCheckOutcome, ExternalSpamCheck } from '../../outbound/index.js';
import type { Logger } from '../../runtime/logger.js';

export interface RspamdClientOptions {
  /** Rspamd's normal worker, e.g. http://127.0.0.1:11333 (spam.rspamdUrl). */
  url: string;
  /** A message waits at most this for Rspamd's answer (spam.rspamdTimeoutMs). */
  timeoutMs: number;
  logger: Logger;
}

export interface RspamdCounters {
  checked: number;
  timeout: number;
  unreachable: number;
  badResponse: number;
}

export interface RspamdClient extends ExternalSpamCheck {
  counters(): RspamdCounters;
}

/** Symbols kept per message (highest score first). */
const MAX_SYMBOLS = 20;

/**
 * Rspamd's HTTP protocol (`POST /checkv2`, the message as the body, the envelope in headers, a JSON
 * answer). Never throws: a timeout, a refused connection or an answer that is not Rspamd's is an
 * outcome; it is logged and counted, and the message is judged on Mailwarden's own findings.
 */
export function createRspamdClient(options: RspamdClientOptions): RspamdClient {
  const endpoint = new URL('/checkv2', options.url).toString();
  const counters: RspamdCounters = { checked: 0, timeout: 0, unreachable: 0, badResponse: 0 };
  const logger = options.logger;

  const unavailable = (
    problem: 'timeout' | 'unreachable' | 'bad-response',
    detail: string,
  ): ExternalCheckOutcome => {
    if (problem === 'timeout') counters.timeout += 1;
    else if (problem === 'unreachable') counters.unreachable += 1;
    else counters.badResponse += 1;
    logger.warn('rspamd did not judge the message; judged on Mailwarden’s own findings', {
      problem,
      detail,
      url: endpoint,
    });
    return { ok: false, engine: 'rspamd', problem, detail };
  };

  return {
    counters: () => ({ ...counters }),
    async check(message: ExternalCheckInput): Promise<ExternalCheckOutcome> {
      const headers = new Headers({ 'Content-Type': 'message/rfc822', User: message.user });
      if (message.envelopeFrom !== '') headers.set('From', message.envelopeFrom);
      for (const recipient of message.recipients) headers.append('Rcpt', recipient);
      if (message.clientIp) headers.set('IP', message.clientIp);
      if (message.queueId)
        headers.set('Queue-Id', message.queueId.replace(/[^\x21-\x7e]/g, '').slice(0, 100));
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers,
          body: message.raw,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError')
          return unavailable('timeout', `no answer within ${options.timeoutMs} ms`);
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        return unavailable('unreachable', cause?.code ?? cause?.message ?? (error as Error).message);
      }
      let body: unknown;
      try {
        // The body shares the timeout: a server that sends headers and then stalls is slow too.
        body = await response.json();
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError')
          return unavailable('timeout', `no answer within ${options.timeoutMs} ms`);
        return unavailable('bad-response', `HTTP ${response.status}, not JSON`);
      }
      const parsed = parseCheckv2(body);
      if (!response.ok || !parsed) return unavailable('bad-response', `HTTP ${response.status}`);
      counters.checked += 1;
      return parsed;
    },
  };
}

/** The fields of Rspamd's answer that a verdict needs; null when the answer is not Rspamd's. */
function parseCheckv2(body: unknown): ExternalCheckOutcome | null {
  if (typeof body !== 'object' || body === null) return null;
  const answer = body as Record<string, unknown>;
  const score = answer['score'];
  const requiredScore = answer['required_score'];
  const action = answer['action'];
  if (typeof score !== 'number' || !Number.isFinite(score)) return null;
  if (typeof action !== 'string') return null;
  const symbols: Array<{ name: string; score: number }> = [];
  const listed = answer['symbols'];
  if (typeof listed === 'object' && listed !== null)
    for (const [name, symbol] of Object.entries(listed as Record<string, unknown>)) {
      const symbolScore = (symbol as { score?: unknown } | null)?.score;
      symbols.push({ name: name.slice(0, 100), score: typeof symbolScore === 'number' ? symbolScore : 0 });
    }
  symbols.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  return {
    ok: true,
    engine: 'rspamd',
    score: Math.round(score * 100) / 100,
    requiredScore: typeof requiredScore === 'number' ? requiredScore : 0,
    action: action.slice(0, 40),
    symbols: symbols.slice(0, MAX_SYMBOLS),
  };
}
