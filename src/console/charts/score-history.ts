import type { Formatter, Translator } from '../../i18n/index.js';
import type { SafeHtml } from '../html.js';
import { type LinePoint, lineDrawing } from './line-chart.js';
import { figure, legend, numbersTable } from './svg.js';
import { dayKey, longDay, shortDay } from './zone.js';

/** One reading of the score: a snapshot from the history, or the report shown now. */
export interface ScoreReading {
  atMs: number;
  score: number;
  maxScore: number;
}

const points = (value: number) => (Number.isInteger(value) ? value : Math.round(value * 100) / 100);

/**
 * Secure Score over time: one point per day (the day's last snapshot) and the score now, as a
 * percentage of the points there were to get (the controls' maximum may change between readings).
 */
export function scoreHistoryChart(
  readings: readonly ScoreReading[],
  t: Translator,
  fmt: Formatter,
  id = 'score-history',
): SafeHtml {
  const title = t('charts.score.title');
  // The last reading of each local day, oldest first.
  const byDay = new Map<string, ScoreReading>();
  for (const reading of [...readings].sort((a, b) => a.atMs - b.atMs))
    byDay.set(dayKey(fmt, reading.atMs), reading);
  const days = [...byDay.entries()];
  if (days.length === 0)
    return figure({ id, title, summary: t('charts.score.empty'), drawing: null, numbers: null });
  const ratio = (reading: ScoreReading) => (reading.maxScore > 0 ? reading.score / reading.maxScore : 0);
  const line: LinePoint[] = days.map(([day, reading], index) => ({
    atMs: reading.atMs,
    value: ratio(reading) * 100,
    name: `${longDay(fmt, day)}: ${fmt.percent(ratio(reading))} (${fmt.number(points(reading.score))}/${fmt.number(points(reading.maxScore))})`,
    // Labelled: the first and the last day, and one between when there is room.
    ...(index === 0 ||
    index === days.length - 1 ||
    (days.length >= 5 && index === Math.floor((days.length - 1) / 2))
      ? { tick: shortDay(fmt, day) }
      : {}),
  }));
  const [firstDay, first] = days[0]!;
  const [lastDay, last] = days[days.length - 1]!;
  const ratios = days.map(([, reading]) => ratio(reading));
  const summary =
    days.length === 1
      ? t('charts.score.single', { last: fmt.percent(ratio(last)), lastDay: longDay(fmt, lastDay) })
      : t('charts.score.summary', {
          first: fmt.percent(ratio(first)),
          firstDay: longDay(fmt, firstDay),
          last: fmt.percent(ratio(last)),
          lastDay: longDay(fmt, lastDay),
          low: fmt.percent(Math.min(...ratios)),
          high: fmt.percent(Math.max(...ratios)),
        });
  return figure({
    id,
    title,
    summary,
    drawing: lineDrawing({
      points: line,
      scale: { top: 100, step: 25 },
      axisText: (value) => fmt.percent(value / 100),
    }),
    legend: legend([{ key: 'score', label: t('charts.score.series') }]),
    numbers: {
      label: t('charts.numbers'),
      table: numbersTable(
        [
          t('charts.score.day'),
          t('charts.score.points'),
          t('charts.score.maxPoints'),
          t('charts.score.percentage'),
        ],
        days.map(([day, reading]) => [
          longDay(fmt, day),
          fmt.number(points(reading.score)),
          fmt.number(points(reading.maxScore)),
          fmt.percent(ratio(reading)),
        ]),
      ),
    },
  });
}
