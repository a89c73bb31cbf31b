import { html, type SafeHtml } from '../html.js';
import { at, axisLabel, ticks, WIDTH } from './svg.js';

export interface LinePoint {
  atMs: number;
  value: number;
  /** The point's tooltip: "7 Dec 2026: 63%". */
  name: string;
  /** A label under the point, or none. */
  tick?: string;
}

const HEIGHT = 200;
const LEFT = 44;
const RIGHT = WIDTH - 10;
const TOP = 12;
const BASE = HEIGHT - 24;

/** A line through points placed by time, on a fixed value axis (0 to `top`, e.g. 0–100 %). */
export function lineDrawing(drawing: {
  points: readonly LinePoint[];
  scale: { top: number; step: number };
  axisText: (value: number) => string;
}): { height: number; body: SafeHtml } {
  const { points, scale } = drawing;
  const first = points[0]?.atMs ?? 0;
  const span = (points[points.length - 1]?.atMs ?? 0) - first;
  // One point (or all at one moment) stands in the middle.
  const x = (ms: number) => (span > 0 ? LEFT + ((ms - first) / span) * (RIGHT - LEFT) : (LEFT + RIGHT) / 2);
  const y = (value: number) => BASE - (Math.min(Math.max(value, 0), scale.top) / scale.top) * (BASE - TOP);
  const grid = ticks(scale).map(
    (value) =>
      html`<line class="grid" x1="${LEFT}" x2="${RIGHT}" y1="${at(y(value))}" y2="${at(y(value))}"/><text class="axis" x="${LEFT - 5}" y="${at(y(value) + 4)}" text-anchor="end">${drawing.axisText(value)}</text>`,
  );
  const path = points.map((point) => `${at(x(point.atMs))},${at(y(point.value))}`).join(' ');
  const line = points.length > 1 ? html`<polyline class="line" points="${path}"/>` : '';
  const dots = points.map(
    (point) =>
      html`<circle class="point" cx="${at(x(point.atMs))}" cy="${at(y(point.value))}" r="3.5"><title>${point.name}</title></circle>${
        point.tick === undefined ? '' : axisLabel(x(point.atMs), HEIGHT - 6, point.tick, LEFT, RIGHT)
      }`,
  );
  return {
    height: HEIGHT,
    body: html`${grid}<line class="baseline" x1="${LEFT}" x2="${RIGHT}" y1="${BASE}" y2="${BASE}"/>${line}${dots}`,
  };
}
