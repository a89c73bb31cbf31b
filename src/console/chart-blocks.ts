import type { Context } from 'hono';
import type { Restriction } from '../outbound/index.js';
import type { ScoreReport } from '../score/index.js';
import {
  alertsPerDayChart,
  scoreHistoryChart,
  sendingChart,
  sendingLimitOf,
  signInsByCountryChart,
} from './charts/index.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';

/**
 * Each page's chart as one block: the data read through the domain doors over a bounded window, drawn
 * in the reader's language and the organization's time zone. A page places a block with one call.
 */
const DAY_MS = 86_400_000;
export const SCORE_HISTORY_DAYS = 90;
export const SENDING_HOURS = 48;
export const SIGN_IN_DAYS = 30;
export const ALERT_DAYS = 30;

/** /admin/score: the daily history and the score now. */
export async function scoreHistoryBlock(
  c: Context<ConsoleEnv>,
  deps: Pick<ConsoleDeps, 'score' | 'clock'>,
  now: Pick<ScoreReport, 'score' | 'maxScore'>,
): Promise<SafeHtml> {
  const history = await deps.score.history({ days: SCORE_HISTORY_DAYS });
  const readings = [
    ...history.map((snapshot) => ({
      atMs: Date.parse(snapshot.at),
      score: snapshot.score,
      maxScore: snapshot.maxScore,
    })),
    { atMs: deps.clock.nowMs(), score: now.score, maxScore: now.maxScore },
  ];
  return html`<section>${scoreHistoryChart(readings, c.var.t, c.var.fmt)}</section>`;
}

/** The user page: the last 48 hours of sending against the limit (the restriction's, when there is one). */
export async function sendingBlock(
  c: Context<ConsoleEnv>,
  deps: Pick<ConsoleDeps, 'outbound' | 'clock'>,
  address: string,
  active: Restriction | undefined,
): Promise<SafeHtml> {
  const sending = await deps.outbound.sendingPerHour(address, SENDING_HOURS);
  if (!sending.ok) return html``;
  return html`<section>${sendingChart(
    {
      hours: sending.hours,
      nowMs: deps.clock.nowMs(),
      span: SENDING_HOURS,
      limit: sendingLimitOf(active, sending.policy.settings),
    },
    c.var.t,
    c.var.fmt,
  )}</section>`;
}

/** The user page and /account/sign-ins: the account's sign-ins of the last 30 days by country and result. */
export async function signInsBlock(
  c: Context<ConsoleEnv>,
  deps: Pick<ConsoleDeps, 'identity' | 'clock'>,
  userId: string,
): Promise<SafeHtml> {
  const counts = await deps.identity.signInsByCountry(userId, deps.clock.nowMs() - SIGN_IN_DAYS * DAY_MS);
  // Nothing to draw: the sign-in table below says there are none.
  if (counts.length === 0) return html``;
  return signInsByCountryChart({ counts, days: SIGN_IN_DAYS }, c.var.t, c.var.fmt);
}

/** /admin/alerts: alerts raised per day over the last 30 days. */
export async function alertsPerDayBlock(
  c: Context<ConsoleEnv>,
  deps: Pick<ConsoleDeps, 'alerts' | 'clock'>,
): Promise<SafeHtml> {
  const nowMs = deps.clock.nowMs();
  // A day more than shown: the oldest local day may begin before the UTC-based window would.
  const counts = await deps.alerts.raisedCounts(nowMs - (ALERT_DAYS + 1) * DAY_MS);
  return html`<section>${alertsPerDayChart({ counts, nowMs, days: ALERT_DAYS }, c.var.t, c.var.fmt)}</section>`;
}
