#!/usr/bin/env node
// compare.mjs RESULTS.jsonl [--markdown] [--target 0.7] [--max-other MS]
// Medians over rounds for each (system, load), then the ratio of every Mailwarden row to the baseline
// relay (stock, and greet0 = without smtp-server's 100 ms greeting pause) under the same load.
// Reads the results.jsonl that run.sh writes (one line per measurement from the harness's measure.mjs).
// --max-other MS: leave out measurements whose other_cpu_ms_per_msg (CPU neither the SUT's nor the
// harness's: kernel loopback work plus other programs) was above MS, i.e. runs disturbed by other work.
import fs from 'node:fs';

const args = process.argv.slice(2);
const file = args.find(
  (arg, i) => !arg.startsWith('--') && !['--target', '--max-other'].includes(args[i - 1]),
);
if (!file) {
  console.error('usage: compare.mjs RESULTS.jsonl [--markdown] [--target 0.7] [--max-other MS]');
  process.exit(2);
}
const markdown = args.includes('--markdown');
const targetIndex = args.indexOf('--target');
const target = targetIndex >= 0 ? Number(args[targetIndex + 1]) : 0.7;
const maxOtherIndex = args.indexOf('--max-other');
const maxOther = maxOtherIndex >= 0 ? Number(args[maxOtherIndex + 1]) : null;

const rows = fs
  .readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line))
  .filter((row) => maxOther === null || row.error || !(row.other_cpu_ms_per_msg > maxOther));

const median = (values) => {
  const sorted = values.filter((value) => typeof value === 'number').sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const fmt = (value, digits = 0) =>
  value === null || value === undefined ? '-' : Number(value).toFixed(digits);

const systems = [];
const loads = [];
const groups = new Map();
for (const row of rows) {
  if (row.load === '(up)') continue;
  if (!systems.includes(row.system)) systems.push(row.system);
  if (!loads.includes(row.load)) loads.push(row.load);
  const key = `${row.system}\t${row.load}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(row);
}
const startFailures = new Map();
for (const row of rows.filter((r) => r.load === '(up)'))
  startFailures.set(row.system, (startFailures.get(row.system) ?? 0) + 1);

function stats(system, load) {
  const runs = groups.get(`${system}\t${load}`);
  if (!runs) return null;
  const ok = runs.filter((run) => !run.error);
  const rates = ok.map((run) => run.msgs_per_s);
  return {
    rate: median(rates),
    min: rates.length ? Math.min(...rates) : null,
    max: rates.length ? Math.max(...rates) : null,
    p50: median(ok.map((run) => run.p50_ms)),
    p99: median(ok.map((run) => run.p99_ms)),
    errors: runs.reduce((sum, run) => sum + (run.error ? 1 : (run.msgs_failed || 0) + (run.lost || 0)), 0),
    sutMs: median(ok.map((run) => run.cpu?.sut_ms_per_msg)),
    procMs: median(ok.map((run) => run.proc_cpu_ms_per_msg)),
    otherMs: median(ok.map((run) => run.other_cpu_ms_per_msg)),
    busy: median(ok.map((run) => run.cpu?.busy_pct_client_phase)),
    runs: runs.length,
  };
}

const order = (system) => (system.startsWith('mailwarden') ? 1 : 0);
const sortedSystems = [...systems].sort((a, b) => order(a) - order(b));

const tableHead = [
  'system',
  'load',
  'msgs/s',
  '(min-max)',
  'p50 ms',
  'p99 ms',
  'errors',
  'sut cpu ms/msg',
  'process cpu ms/msg',
  'other cpu ms/msg',
  'busy %',
  'runs',
];
const tableRows = [];
for (const load of loads) {
  for (const system of sortedSystems) {
    const s = stats(system, load);
    if (!s) continue;
    tableRows.push([
      system,
      load,
      fmt(s.rate),
      s.min === null ? '-' : `${fmt(s.min)}-${fmt(s.max)}`,
      fmt(s.p50, 1),
      fmt(s.p99, 1),
      String(s.errors),
      fmt(s.sutMs, 2),
      fmt(s.procMs, 2),
      fmt(s.otherMs, 2),
      fmt(s.busy),
      String(s.runs),
    ]);
  }
}

const ratio = (mine, theirs) => {
  if (!mine || !theirs || mine.rate === null || !theirs.rate) return '-';
  const value = mine.rate / theirs.rate;
  return `${value.toFixed(2)}${value >= target ? '' : ` (<${target})`}`;
};
// The CPU ratio (the baseline's process CPU per message / Mailwarden's) is what the msgs/s ratio tends
// to when both are bound by their one Node main thread; it moves far less than msgs/s when other work
// shares the machine. It means little for the stock baseline at per-conn=1, which waits, not computes.
const cpuRatio = (mine, theirs) => {
  if (!mine || !theirs || !mine.procMs || !theirs.procMs) return '-';
  return (theirs.procMs / mine.procMs).toFixed(2);
};
const ratioHead = [
  'system',
  'load',
  'msgs/s',
  'baseline',
  'ratio',
  'cpu ratio',
  'baseline greet0',
  'ratio greet0',
  'cpu ratio greet0',
  // Postfix (the harness's peer), when the run had it: issue 22's targets are ≥ 2× (1 message per
  // connection) and ≥ 2.5× (50 per connection).
  'postfix',
  'x postfix',
];
const ratioRows = [];
for (const system of sortedSystems.filter((name) => name.startsWith('mailwarden'))) {
  for (const load of loads) {
    const mine = stats(system, load);
    if (!mine) continue;
    const stock = stats('baseline', load);
    const greet0 = stats('baseline greet0', load);
    const postfix = stats('postfix', load);
    ratioRows.push([
      system,
      load,
      fmt(mine.rate),
      fmt(stock?.rate),
      ratio(mine, stock),
      cpuRatio(mine, stock),
      fmt(greet0?.rate),
      ratio(mine, greet0),
      cpuRatio(mine, greet0),
      fmt(postfix?.rate),
      mine.rate !== null && postfix?.rate ? (mine.rate / postfix.rate).toFixed(2) : '-',
    ]);
  }
}

function print(head, body, numericFrom) {
  if (markdown) {
    console.log(`| ${head.join(' | ')} |`);
    console.log(`|${head.map((_, i) => (i < numericFrom ? '---' : '---:')).join('|')}|`);
    for (const row of body) console.log(`| ${row.join(' | ')} |`);
    return;
  }
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row) =>
    row.map((cell, i) => (i < numericFrom ? cell.padEnd(widths[i]) : cell.padStart(widths[i])));
  console.log(line(head).join('  '));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of body) console.log(line(row).join('  '));
}

print(tableHead, tableRows, 2);
console.log('');
if (ratioRows.length > 0) {
  console.log(
    markdown
      ? `Mailwarden / baseline (msgs/s medians; target ≥ ${target}):\n`
      : `Mailwarden / baseline (target >= ${target}):`,
  );
  print(ratioHead, ratioRows, 2);
} else {
  console.log('(no mailwarden rows: no ratios)');
}
for (const [system, count] of startFailures) console.log(`${system}: up.sh failed ${count} time(s)`);
if (maxOther !== null) console.log(`(only measurements with other cpu <= ${maxOther} ms/msg)`);
