import { UsageError } from './cli-context.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO 8601 date/time, or a span back from now: 30m, 24h, 7d. */
export function parseTime(flag: string, value: string, nowMs: number): number {
  const relative = /^(\d+)([mhd])$/.exec(value.trim());
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const absolute = Date.parse(value);
  if (Number.isNaN(absolute))
    throw new UsageError(`--${flag}: "${value}" is neither an ISO 8601 time nor a span like 30m, 24h, 7d`);
  return absolute;
}
