import type { Formatter, Translator } from '../../i18n/index.js';
import type { SafeHtml } from '../html.js';
import { type Bar, barDrawing } from './bar-chart.js';
import { figure, legend, numbersTable } from './svg.js';
import { dayKey, lastDays, longDay, shortDay } from './zone.js';

/** Alerts of one severity first raised in one slot of time (alerts' RaisedCount). */
export interface AlertCount {
  slotStartMs: number;
  severity: 'informational' | 'low' | 'medium' | 'high';
  alerts: number;
}

/** Stacked from the bottom: the alerts that matter most are the base of each bar. */
const SEVERITIES = ['high', 'medium', 'low', 'informational'] as const;

/** How many alerts were raised each day (in the organization's time zone), by severity. */
export function alertsPerDayChart(
  data: { counts: readonly AlertCount[]; nowMs: number; days: number },
  t: Translator,
  fmt: Formatter,
  id = 'alerts-per-day',
): SafeHtml {
  const title = t('charts.alerts.title', { days: data.days });
  const days = lastDays(fmt, data.nowMs, data.days);
  const perDay = new Map(days.map((day) => [day, [0, 0, 0, 0]]));
  for (const count of data.counts) {
    const values = perDay.get(dayKey(fmt, count.slotStartMs));
    const index = SEVERITIES.indexOf(count.severity);
    if (values && index >= 0) values[index]! += count.alerts;
  }
  const totalOf = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0);
  const total = [...perDay.values()].reduce((sum, values) => sum + totalOf(values), 0);
  if (total === 0)
    return figure({
      id,
      title,
      summary: t('charts.alerts.empty', { days: data.days }),
      drawing: null,
      numbers: null,
    });
  const series = SEVERITIES.map((severity) => ({ key: severity, label: t(`charts.alerts.${severity}`) }));
  const bars: Bar[] = days.map((day, index) => ({
    name: longDay(fmt, day),
    values: perDay.get(day)!,
    // Today labelled, and every seventh day before it.
    ...((days.length - 1 - index) % 7 === 0 ? { tick: shortDay(fmt, day) } : {}),
  }));
  const peak = days.reduce(
    (best, day) => (totalOf(perDay.get(day)!) > totalOf(perDay.get(best)!) ? day : best),
    days[0]!,
  );
  // Only the severities that occur get a place in the legend and the table.
  const present = SEVERITIES.map((_, index) => index).filter((index) =>
    [...perDay.values()].some((values) => (values[index] ?? 0) > 0),
  );
  return figure({
    id,
    title,
    summary: t('charts.alerts.summary', {
      total,
      peakDay: longDay(fmt, peak),
      peak: totalOf(perDay.get(peak)!),
    }),
    drawing: barDrawing({ series, bars, number: (value) => fmt.number(value) }),
    legend: legend(present.map((index) => series[index]!)),
    numbers: {
      label: t('charts.numbers'),
      table: numbersTable(
        [t('charts.alerts.day'), ...present.map((index) => series[index]!.label), t('charts.total')],
        days
          .filter((day) => totalOf(perDay.get(day)!) > 0)
          .map((day) => [
            longDay(fmt, day),
            ...present.map((index) => fmt.number(perDay.get(day)![index] ?? 0)),
            fmt.number(totalOf(perDay.get(day)!)),
          ]),
      ),
    },
  });
}
