import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/cli-process.js';
import { missingDovecotParts } from '../support/dovecot-imap-harness.js';
import { makeTempDir } from '../support/test-app.js';

/**
 * Every benchmark under bench/ runs once at its smoke size (`--smoke`, bench/smoke-size.ts) and must
 * finish and print its figures: a benchmark that no longer runs measures nothing, and nobody notices
 * until the day its figures are needed. The figures of these runs mean nothing.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BENCH_DIST = path.join(ROOT, 'dist', 'bench');

interface SmokeRun {
  /** The compiled benchmark under dist/bench, or a shell driver under bench/. */
  file: string;
  args?: string[];
  env?: () => Promise<Record<string, string>>;
  /** What it prints when it got to the end: one pattern per figure. */
  figures: RegExp[];
  skip?: string | false;
  timeoutMs?: number;
}

const missingDovecot = missingDovecotParts();
const PEERS = process.env['BENCH_PEERS_DIR'] ?? path.resolve(ROOT, '..', 'shared', 'bench', 'peers');

const RUNS: SmokeRun[] = [
  {
    file: 'score/score.bench.js',
    figures: [
      /users \(baseline\): report [\d.]+ ms/,
      /ratio \d+\/1000 users/,
      /concurrency 16: \d+ ms/,
      /speed-up/,
    ],
  },
  {
    file: 'signin-verification/signin.bench.js',
    figures: [/"appPassword_logins_per_s"/, /"ratio_app_vs_cold"/],
  },
  {
    file: 'signin-country/country-chart.bench.js',
    figures: [/replaced +chart query median [\d.]+ ms; insert median [\d.]+ µs\/row/],
  },
  { file: 'policy-decision/policy-decision.bench.js', figures: [/"decision_ms"/, /"p99"/, /"ratio_p50"/] },
  {
    file: 'send-journal/send-journal.bench.js',
    figures: [
      /"journal_file": \{\s+"micros_per_message": [\d.]+/,
      /"database_row": \{\s+"micros_per_message": [\d.]+/,
    ],
  },
  { file: 'audit/append-path.bench.js', figures: [/audit\.append, \d+ callers: \d+ records\/s/] },
  {
    file: 'audit/ingest.bench.js',
    figures: [
      /sqlite: wall clock: ingest \d+ records\/s/,
      /postgres: wall clock: ingest \d+ records\/s/,
      /hash chain/,
    ],
  },
  {
    file: 'audit/search.bench.js',
    figures: [/A one mailbox's last 7 days.*p50 [\d.]+ ms/, /every record keyed/],
  },
  {
    file: 'audit/dovecot-burst.bench.js',
    figures: [/\d+ messages: client session \d+ ms; \d+ of \d+ events accepted/],
    skip: missingDovecot.length > 0 ? `Dovecot not installed: ${missingDovecot.join(', ')}` : false,
  },
  {
    file: 'import/import.bench.js',
    figures: [
      /import \d+ accounts: [\d.]+ s \(\d+ accounts\/s\), repeat [\d.]+ s, peak live heap/,
      /memory ratio/,
    ],
  },
  {
    file: 'cluster/cluster.bench.js',
    figures: [
      /1 instance: \d+ messages in [\d.]+ s: \d+ msgs\/s .* msgs per Mailwarden CPU-second/,
      /3 instances: \d+ messages in [\d.]+ s: \d+ msgs\/s \(\d+ per instance\)/,
      /most PostgreSQL connections held: mailwarden-1 \d+, mailwarden-2 \d+, mailwarden-3 \d+/,
      /ratio 3\/1: msgs\/s [\d.]+/,
    ],
    skip: existsSync('/usr/sbin/haproxy') ? false : 'haproxy is not installed',
    // Most of it is setup: a database, an account and 1 then 3 serve processes, started one by one.
    timeoutMs: 150_000,
  },
  {
    file: 'soak/soak.bench.js',
    figures: [/^\s+\d+\s+\d+\s+\d+ \|/m, /messages relayed to the sink: [1-9]/, /^verdict: (flat|not flat)/m],
  },
  {
    file: 'idle-sessions/idle-sessions.bench.js',
    figures: [
      /workers=1: 1 process\(es\); no session: RSS [\d.]+ MB.* idle sessions: RSS [\d.]+ MB, PSS [\d.]+ MB/,
      /workers=2: 3 process\(es\); .* idle sessions: RSS [\d.]+ MB, PSS [\d.]+ MB/,
      /^ {2}\d+ sessions: worker 2 +pid \d+: RSS [\d.]+ MB, PSS [\d.]+ MB/m,
      /workers=2: target 1000 idle sessions under 200 MB PSS across all 3 process\(es\): /,
    ],
    // Two serve starts (one process, then a supervisor and two workers) and their sign-ins: about
    // 33 s alone, and it ran past 60 s beside the cluster tests on a busy machine.
    timeoutMs: 150_000,
  },
  {
    file: 'gateway-throughput/run.sh',
    env: async () => ({
      SMOKE: '1',
      BENCH_PEERS_DIR: PEERS,
      SINK_PORT: String(await freePort()),
      SINK_HTTP_PORT: String(await freePort()),
      MW_BENCH_SMTP_PORT: String(await freePort()),
      MW_BENCH_SMTPS_PORT: String(await freePort()),
    }),
    figures: [/mailwarden per-conn=10: [\d.]+ msgs\/s, p50 [\d.]+ ms, p99 [\d.]+ ms, failed 0, lost 0/],
    // The shared peer harness (sink, load generator) lives beside the repository, not in it.
    skip: existsSync(path.join(PEERS, 'loadgen.mjs'))
      ? false
      : `peer harness not found at ${PEERS} (set BENCH_PEERS_DIR)`,
    timeoutMs: 90_000,
  },
];

function run(file: string, args: string[], env: Record<string, string>, timeoutMs: number) {
  const shell = file.endsWith('.sh');
  const command = shell ? 'bash' : process.execPath;
  const script = shell ? path.join(ROOT, 'bench', file) : path.join(BENCH_DIST, file);
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, shell ? [script, ...args] : [script, '--smoke', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function benchmarksOnDisk(): string[] {
  const found: string[] = [];
  for (const folder of readdirSync(BENCH_DIST)) {
    if (!statSync(path.join(BENCH_DIST, folder)).isDirectory()) continue;
    for (const name of readdirSync(path.join(BENCH_DIST, folder)))
      if (name.endsWith('.bench.js')) found.push(`${folder}/${name}`);
  }
  for (const folder of readdirSync(path.join(ROOT, 'bench')))
    if (existsSync(path.join(ROOT, 'bench', folder, 'run.sh'))) found.push(`${folder}/run.sh`);
  return found.sort();
}

describe('every benchmark still runs at its smoke size and prints its figures', { concurrency: 2 }, () => {
  test('each benchmark under bench/ has a smoke run here', () => {
    assert.deepEqual(benchmarksOnDisk(), RUNS.map((smoke) => smoke.file).sort());
  });

  for (const smoke of RUNS)
    test(`${smoke.file} --smoke`, { skip: smoke.skip ?? false }, async () => {
      const temp = makeTempDir('mailwarden-bench-smoke-');
      try {
        const env = (await smoke.env?.()) ?? {};
        const args = smoke.file.endsWith('.sh') ? [temp.dir] : (smoke.args ?? []);
        const { code, output } = await run(smoke.file, args, env, smoke.timeoutMs ?? 60_000);
        assert.equal(code, 0, `${smoke.file} exited with ${code}:\n${output.slice(-3000)}`);
        for (const figure of smoke.figures)
          assert.match(output, figure, `${smoke.file} printed:\n${output.slice(-3000)}`);
      } finally {
        temp.remove();
      }
    });
});
