import { html, type SafeHtml } from '../html.js';
import { at, type Series, shorten, ticks, valueScale, WIDTH } from './svg.js';

export interface Row {
  label: string;
  /** One value per series, stacked left to right. */
  values: readonly number[];
}

const LABELS = 118;
const LEFT = LABELS + 6;
/** Room on the right for the row's total. */
const RIGHT = WIDTH - 34;
const ROW = 24;
const TOP = 6;

/** Horizontal bars, one row each, stacked per series, the total at the end of each. */
export function rowDrawing(drawing: {
  series: readonly Series[];
  rows: readonly Row[];
  number: (value: number) => string;
}): { height: number; body: SafeHtml } {
  const totals = drawing.rows.map((row) => row.values.reduce((sum, value) => sum + value, 0));
  const scale = valueScale(Math.max(0, ...totals));
  const x = (value: number) => LEFT + (value / scale.top) * (RIGHT - LEFT);
  const base = TOP + drawing.rows.length * ROW;
  const height = base + 22;
  const grid = ticks(scale).map(
    (value) =>
      html`<line class="grid" x1="${at(x(value))}" x2="${at(x(value))}" y1="${TOP}" y2="${base}"/><text class="axis" x="${at(x(value))}" y="${base + 16}" text-anchor="middle">${drawing.number(value)}</text>`,
  );
  const rows = drawing.rows.map((row, index) => {
    const top = TOP + index * ROW + 4;
    let from = 0;
    const parts = row.values.map((value, part) => {
      const start = from;
      from += value;
      if (value <= 0) return '';
      const series = drawing.series[part];
      return html`<rect class="bar series-${series?.key ?? String(part)}" x="${at(x(start))}" y="${top}" width="${at(x(from) - x(start))}" height="${ROW - 8}"><title>${row.label}: ${drawing.number(value)} ${series?.label ?? ''}</title></rect>`;
    });
    return html`<text class="axis" x="${LABELS}" y="${top + 12}" text-anchor="end">${shorten(row.label, 15)}</text>${parts}<text class="value" x="${at(x(totals[index] ?? 0) + 4)}" y="${top + 12}">${drawing.number(totals[index] ?? 0)}</text>`;
  });
  return {
    height,
    body: html`${grid}<line class="baseline" x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${base}"/>${rows}`,
  };
}
