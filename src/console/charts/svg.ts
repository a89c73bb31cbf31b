import { html, SafeHtml } from '../html.js';

/**
 * The parts every chart shares. Charts are SVG written on the server: no script, no style attribute
 * (the CSP allows neither inline), colours and dashes from classes in the style sheet (assets.ts),
 * positions as presentation attributes. Drawn in a 480-unit-wide viewBox at width 100% (capped by
 * the style sheet), so one drawing reads on a phone and on a laptop.
 */
export const WIDTH = 480;

/** A coordinate with at most one decimal: short markup, no float noise. */
export function at(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/**
 * The top of the value axis and the step between its lines: 1, 2 or 5 × 10ⁿ, at most five steps,
 * whole numbers for counts (a chart of 0 or 1 sign-ins still has an axis that reads 0, 1).
 */
export function valueScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 1 };
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? magnitude * 10);
  return { top: Math.ceil(max / step) * step, step };
}

/** The values from 0 to `top` every `step`. */
export function ticks(scale: { top: number; step: number }): number[] {
  const out: number[] = [];
  for (let value = 0; value <= scale.top + scale.step / 1000; value += scale.step) out.push(value);
  return out;
}

/** A label shortened to `max` characters for the drawing (the table below it has the whole text). */
export function shorten(label: string, max: number): string {
  const chars = [...label];
  return chars.length <= max ? label : `${chars.slice(0, max - 1).join('')}…`;
}

/** An x-axis label at `x`, kept inside the drawing at either end. */
export function axisLabel(x: number, y: number, text: string, left: number, right: number): SafeHtml {
  const anchor = x - left < 18 ? 'start' : right - x < 18 ? 'end' : 'middle';
  return html`<text class="axis" x="${at(x)}" y="${at(y)}" text-anchor="${anchor}">${text}</text>`;
}

export interface Series {
  /** A class name part: `series-<key>` (the style sheet colours it). */
  key: string;
  label: string;
}

/** The series' names beside a swatch of their colour: text that wraps, not drawn text. */
export function legend(series: readonly Series[], extra: SafeHtml | '' = ''): SafeHtml {
  return html`<ul class="chart-legend">${series.map(
    (entry) =>
      html`<li><svg class="swatch" viewBox="0 0 10 10" width="10" height="10" aria-hidden="true" focusable="false"><rect class="series-${entry.key}" width="10" height="10"/></svg>${entry.label}</li>`,
  )}${extra}</ul>`;
}

export interface FigureParts {
  /** Unique on the page; the ids of the title and summary derive from it. */
  id: string;
  title: string;
  /** What the chart shows, in one or two sentences: read by screen readers, shown under the title. */
  summary: string;
  /** The drawing's content (without the svg element); null when there is nothing to draw. */
  drawing: { height: number; body: SafeHtml } | null;
  legend?: SafeHtml;
  /** The numbers, for whoever would rather read them (and for screen readers). */
  numbers: { label: string; table: SafeHtml } | null;
}

/**
 * A chart as a figure: its title, a one-line summary, the drawing (an image to assistive technology,
 * named by the title, described by the summary), its legend and the numbers in a table to open.
 */
export function figure(parts: FigureParts): SafeHtml {
  const { id } = parts;
  return html`<figure class="chart" id="${id}">
  <figcaption class="chart-title" id="${id}-title">${parts.title}</figcaption>
  <p class="chart-summary muted" id="${id}-summary">${parts.summary}</p>
  ${
    parts.drawing
      ? html`<svg class="chart-drawing" viewBox="0 0 ${WIDTH} ${at(parts.drawing.height)}" width="100%" role="img" aria-labelledby="${id}-title" aria-describedby="${id}-summary" focusable="false"><title>${parts.title}</title><desc>${parts.summary}</desc>${parts.drawing.body}</svg>`
      : ''
  }
  ${parts.legend ?? ''}
  ${parts.numbers ? html`<details class="chart-numbers"><summary>${parts.numbers.label}</summary>${parts.numbers.table}</details>` : ''}
</figure>`;
}

/** A plain table of the chart's numbers: the first column names the row, the rest are numbers. */
export function numbersTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): SafeHtml {
  return html`<table class="chart-table"><thead><tr>${headers.map(
    (header, index) =>
      html`<th scope="col"${index > 0 ? new SafeHtml(' class="number"') : ''}>${header}</th>`,
  )}</tr></thead><tbody>${rows.map(
    (row) =>
      html`<tr>${row.map((cell, index) =>
        index === 0 ? html`<th scope="row">${cell}</th>` : html`<td class="number">${cell}</td>`,
      )}</tr>`,
  )}</tbody></table>`;
}
