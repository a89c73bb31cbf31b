import type { Formatter, Translator } from '../../i18n/index.js';
import { html, type SafeHtml } from '../html.js';
import { type Bar, barDrawing } from './bar-chart.js';
import { figure, legend, numbersTable } from './svg.js';
import { clockTime, dayKey, localHour, longDay } from './zone.js';

const HOUR_MS = 3_600_000;

/** What one account sent in one clock hour (outbound's HourOfSending). */
export interface SendingHour {
  hourStartMs: number;
  messages: number;
  internalRecipients: number;
  externalRecipients: number;
}

/** Which recipients the limit counts, and the limit: per hour (a line on the chart) or per day. */
export type SendingLimit =
  | { counts: 'external' | 'internal'; perHour: number }
  | { counts: 'all'; perDay: number };

/**
 * The limit a restriction reached (with the number it had then, from its evidence), or, for an
 * account that is not restricted, the external hourly limit of its policy now.
 */
export function sendingLimitOf(
  restriction: { reason: string; evidence: { counts: Record<string, number> } } | undefined,
  settings: { externalPerHour: number; internalPerHour: number; perDay: number },
): SendingLimit {
  const then = restriction?.evidence.counts['limit'];
  switch (restriction?.reason) {
    case 'hourly-internal-limit':
      return { counts: 'internal', perHour: then ?? settings.internalPerHour };
    case 'daily-limit':
      return { counts: 'all', perDay: then ?? settings.perDay };
    case 'hourly-external-limit':
      return { counts: 'external', perHour: then ?? settings.externalPerHour };
    default:
      return { counts: 'external', perHour: settings.externalPerHour };
  }
}

/**
 * An account's sending per clock hour over the last `hours` hours against its limit: the evidence
 * of a restriction at a glance. Hours that reached the hourly limit are drawn in the warning colour.
 * The limit itself counts any 60 minutes, so an hour below the line may still have been part of a
 * rolling hour that reached it; the summary says which limit applies.
 */
export function sendingChart(
  data: { hours: readonly SendingHour[]; nowMs: number; span?: number; limit: SendingLimit },
  t: Translator,
  fmt: Formatter,
  id = 'sending-per-hour',
): SafeHtml {
  const span = data.span ?? 48;
  const title = t('charts.sending.title', { hours: span });
  const lastHour = Math.floor(data.nowMs / HOUR_MS);
  const byHour = new Map(data.hours.map((hour) => [Math.floor(hour.hourStartMs / HOUR_MS), hour]));
  const counted = (hour: SendingHour | undefined) =>
    hour === undefined
      ? 0
      : data.limit.counts === 'external'
        ? hour.externalRecipients
        : data.limit.counts === 'internal'
          ? hour.internalRecipients
          : hour.externalRecipients + hour.internalRecipients;
  const hours = Array.from({ length: span }, (_, index) => {
    const number = lastHour - (span - 1) + index;
    return { startMs: number * HOUR_MS, hour: byHour.get(number) };
  });
  const named = (ms: number) => `${longDay(fmt, dayKey(fmt, ms))}, ${clockTime(fmt, ms)}`;
  const perHour = 'perHour' in data.limit ? data.limit.perHour : null;
  const bars: Bar[] = hours.map(({ startMs, hour }) => ({
    name: named(startMs),
    values: [counted(hour)],
    ...(perHour !== null && counted(hour) >= perHour ? { over: true } : {}),
    ...(localHour(fmt, startMs) % 6 === 0 ? { tick: clockTime(fmt, startMs) } : {}),
  }));
  const what = t(`charts.sending.${data.limit.counts}`);
  const total = bars.reduce((sum, bar) => sum + (bar.values[0] ?? 0), 0);
  const limitText =
    'perHour' in data.limit
      ? t('charts.sending.limitPerHour', { limit: data.limit.perHour })
      : t('charts.sending.limitPerDay', { limit: data.limit.perDay });
  if (total === 0 && hours.every(({ hour }) => !hour || hour.messages === 0))
    return figure({
      id,
      title,
      summary: `${t('charts.sending.empty', { hours: span })} ${limitText}`,
      drawing: null,
      numbers: null,
    });
  const peak = bars.reduce(
    (best, bar) => ((bar.values[0] ?? 0) > (best.values[0] ?? 0) ? bar : best),
    bars[0]!,
  );
  const reached = bars.filter((bar) => bar.over).length;
  const summary = [
    t('charts.sending.summary', { what, total, hours: span, peak: peak.values[0] ?? 0, peakHour: peak.name }),
    limitText,
    perHour !== null && reached > 0 ? t.plural('charts.sending.reached', reached) : '',
  ]
    .filter(Boolean)
    .join(' ');
  const limitLegend =
    perHour === null
      ? ''
      : html`<li><svg class="swatch" viewBox="0 0 16 10" width="16" height="10" aria-hidden="true" focusable="false"><line class="limit" x1="0" x2="16" y1="5" y2="5"/></svg>${t('charts.sending.limitLegend')}</li>${
          reached > 0
            ? html`<li><svg class="swatch" viewBox="0 0 10 10" width="10" height="10" aria-hidden="true" focusable="false"><rect class="bar over" width="10" height="10"/></svg>${t('charts.sending.reachedLegend')}</li>`
            : ''
        }`;
  return figure({
    id,
    title,
    summary,
    drawing: barDrawing({
      series: [{ key: 'sent', label: what }],
      bars,
      ...(perHour !== null
        ? { limit: { value: perHour, label: t('charts.sending.limitLine', { limit: perHour }) } }
        : {}),
      number: (value) => fmt.number(value),
    }),
    legend: legend([{ key: 'sent', label: what }], limitLegend),
    numbers: {
      label: t('charts.numbers'),
      table: numbersTable(
        [
          t('charts.sending.hour'),
          t('charts.sending.messages'),
          t('charts.sending.internalShort'),
          t('charts.sending.externalShort'),
        ],
        hours
          .filter(({ hour }) => hour && (hour.messages > 0 || counted(hour) > 0))
          .map(({ startMs, hour }) => [
            named(startMs),
            fmt.number(hour!.messages),
            fmt.number(hour!.internalRecipients),
            fmt.number(hour!.externalRecipients),
          ]),
      ),
    },
  });
}
