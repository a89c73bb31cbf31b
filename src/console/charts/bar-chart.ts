import { html, type SafeHtml } from '../html.js';
import { at, axisLabel, type Series, ticks, valueScale, WIDTH } from './svg.js';

export interface Bar {
  /** The whole name of the bar (its tooltip): "7 Dec 2026, 14:00". */
  name: string;
  /** A label under the bar, or none: the caller labels every few bars. */
  tick?: string;
  /** One value per series, stacked in the series' order. */
  values: readonly number[];
  /** Drawn in the warning colour: the bar that went over the limit. */
  over?: boolean;
}

export interface BarDrawing {
  series: readonly Series[];
  bars: readonly Bar[];
  /** A dashed line across the bars, with its words at the right end. */
  limit?: { value: number; label: string };
  number: (value: number) => string;
}

const HEIGHT = 210;
const LEFT = 40;
const RIGHT = WIDTH - 6;
const TOP = 16;
const BASE = HEIGHT - 24;

/** Vertical bars, stacked per series, on a value axis from 0; a limit line when given. */
export function barDrawing(drawing: BarDrawing): { height: number; body: SafeHtml } {
  const totals = drawing.bars.map((bar) => bar.values.reduce((sum, value) => sum + value, 0));
  const scale = valueScale(Math.max(0, ...totals, drawing.limit?.value ?? 0));
  const y = (value: number) => BASE - (value / scale.top) * (BASE - TOP);
  const band = (RIGHT - LEFT) / Math.max(drawing.bars.length, 1);
  const width = Math.max(band * 0.78, 1);
  const grid = ticks(scale).map(
    (value) =>
      html`<line class="grid" x1="${LEFT}" x2="${RIGHT}" y1="${at(y(value))}" y2="${at(y(value))}"/><text class="axis" x="${LEFT - 5}" y="${at(y(value) + 4)}" text-anchor="end">${drawing.number(value)}</text>`,
  );
  const bars = drawing.bars.map((bar, index) => {
    const x = LEFT + index * band + (band - width) / 2;
    let base = 0;
    const parts = bar.values.map((value, part) => {
      const from = base;
      base += value;
      if (value <= 0) return '';
      const series = drawing.series[part]?.key ?? String(part);
      return html`<rect class="bar series-${series}${bar.over ? ' over' : ''}" x="${at(x)}" y="${at(y(base))}" width="${at(width)}" height="${at(y(from) - y(base))}"><title>${bar.name}: ${drawing.number(value)}${drawing.series.length > 1 ? ` ${drawing.series[part]?.label ?? ''}` : ''}</title></rect>`;
    });
    const label = bar.tick === undefined ? '' : axisLabel(x + width / 2, HEIGHT - 6, bar.tick, LEFT, RIGHT);
    return html`${parts}${label}`;
  });
  const limit = drawing.limit
    ? html`<line class="limit" x1="${LEFT}" x2="${RIGHT}" y1="${at(y(drawing.limit.value))}" y2="${at(y(drawing.limit.value))}"/><text class="limit-label" x="${RIGHT}" y="${at(Math.max(y(drawing.limit.value) - 5, 11))}" text-anchor="end">${drawing.limit.label}</text>`
    : '';
  return {
    height: HEIGHT,
    body: html`${grid}<line class="baseline" x1="${LEFT}" x2="${RIGHT}" y1="${BASE}" y2="${BASE}"/>${bars}${limit}`,
  };
}
