/**
 * Smoke size: every benchmark runs once at a tiny size inside `npm test` (test/bench/smoke.test.ts),
 * so that one that no longer runs is noticed the day it breaks, not the day someone needs its figures.
 * `--smoke` or BENCH_SMOKE=1 changes only the defaults: a size given on the command line still wins.
 * The figures of a smoke run measure nothing; they only show that the benchmark still gets there.
 */
export const smoke = process.argv.includes('--smoke') || process.env['BENCH_SMOKE'] === '1';

/** The option every benchmark's parseArgs declares, so that `--smoke` is not an unknown option. */
export const smokeOption = { smoke: { type: 'boolean', default: false } } as const;

/** The default of a size option: the real size, or the tiny one in a smoke run. */
export function sized(full: number, tiny: number): string {
  return String(smoke ? tiny : full);
}
