import type { Formatter, Translator } from '../../i18n/index.js';
import type { SafeHtml } from '../html.js';
import { type Row, rowDrawing } from './row-chart.js';
import { figure, legend, numbersTable } from './svg.js';

/** A user's sign-ins of one result from one country (identity's SignInsFromCountry). */
export interface CountryCount {
  country: string | null;
  result: 'success' | 'failure';
  signIns: number;
}

/** Rows drawn; the other countries share one row (the table lists each). */
const MOST_ROWS = 8;

const regionNames = new Map<string, Intl.DisplayNames>();

/** "NL" → "Netherlands" / "Nederland"; a code Intl does not know stays as it is (escaped). */
function countryName(code: string, locale: string): string {
  let names = regionNames.get(locale);
  if (!names) {
    names = new Intl.DisplayNames([locale === 'en' ? 'en-GB' : locale], { type: 'region', fallback: 'code' });
    regionNames.set(locale, names);
  }
  try {
    return /^[A-Za-z]{2}$/.test(code) ? (names.of(code.toUpperCase()) ?? code) : code;
  } catch {
    return code;
  }
}

/** Where an account's sign-ins came from, and how many succeeded and failed, per country. */
export function signInsByCountryChart(
  data: { counts: readonly CountryCount[]; days: number },
  t: Translator,
  fmt: Formatter,
  id = 'sign-ins-by-country',
): SafeHtml {
  const title = t('charts.signIns.title', { days: data.days });
  const byCountry = new Map<string, { label: string; success: number; failure: number }>();
  for (const count of data.counts) {
    const key = count.country ?? '';
    const entry = byCountry.get(key) ?? {
      label: count.country ? countryName(count.country, fmt.locale) : t('charts.signIns.unknown'),
      success: 0,
      failure: 0,
    };
    entry[count.result] += count.signIns;
    byCountry.set(key, entry);
  }
  const countries = [...byCountry.values()]
    .filter((entry) => entry.success + entry.failure > 0)
    .sort((a, b) => b.success + b.failure - (a.success + a.failure) || a.label.localeCompare(b.label));
  if (countries.length === 0)
    return figure({
      id,
      title,
      summary: t('charts.signIns.empty', { days: data.days }),
      drawing: null,
      numbers: null,
    });
  const shown = countries.length > MOST_ROWS ? countries.slice(0, MOST_ROWS - 1) : countries;
  const rest = countries.slice(shown.length);
  const rows: Row[] = shown.map((entry) => ({ label: entry.label, values: [entry.success, entry.failure] }));
  if (rest.length > 0)
    rows.push({
      label: t('charts.signIns.others', { count: rest.length }),
      values: [
        rest.reduce((sum, entry) => sum + entry.success, 0),
        rest.reduce((sum, entry) => sum + entry.failure, 0),
      ],
    });
  const series = [
    { key: 'success', label: t('charts.signIns.success') },
    { key: 'failure', label: t('charts.signIns.failure') },
  ];
  const top = countries[0]!;
  const summary = t('charts.signIns.summary', {
    succeeded: countries.reduce((sum, entry) => sum + entry.success, 0),
    failed: countries.reduce((sum, entry) => sum + entry.failure, 0),
    countries: t.plural('charts.signIns.countries', countries.length),
    top: top.label,
    topCount: top.success + top.failure,
  });
  return figure({
    id,
    title,
    summary,
    drawing: rowDrawing({ series, rows, number: (value) => fmt.number(value) }),
    legend: legend(series),
    numbers: {
      label: t('charts.numbers'),
      table: numbersTable(
        [
          t('charts.signIns.country'),
          t('charts.signIns.success'),
          t('charts.signIns.failure'),
          t('charts.total'),
        ],
        countries.map((entry) => [
          entry.label,
          fmt.number(entry.success),
          fmt.number(entry.failure),
          fmt.number(entry.success + entry.failure),
        ]),
      ),
    },
  });
}
