/**
 * Soak: `mailwarden serve` (a child process, SQLite, relaying to a sink on loopback) under an hour of
 * mixed load at a steady pace: SMTP submissions (nodemailer, STARTTLS, app password), mail sign-ins
 * through /dovecot/passdb, admin API reads, and Postfix policy requests (RCPT then END-OF-MESSAGE).
 * Every window (a minute by default) it samples the process's resident memory and open file
 * descriptors (/proc/PID) and each kind's latency percentiles and errors, prints a table, and ends
 * with a verdict: "flat" when memory, descriptors and latency of the last third of the run stay near
 * the first third's (after the first window, the warm-up) and nothing failed.
 *
 *   npm run build && node dist/bench/soak/soak.bench.js [--minutes 60] [--sample-seconds 60]
 *     [--rate 4] [--smoke]
 * --rate: operations per second of each kind (policy requests: twice that). --smoke: 10 seconds, a
 * window every 2 seconds (what `npm test` runs; its verdict says little, its table shows it works).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { PolicyClient, rcptRequest } from '../../test/support/postfix-policy-client.js';
import {
  DOVECOT_AUTH_SECRET,
  prepareMailwarden,
  SENDER,
  type ServedMailwarden,
} from '../../test/support/served-mailwarden.js';
import { startCountingSink } from '../counting-sink.js';
import { smoke, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: smoke ? String(10 / 60) : '60' },
    'sample-seconds': { type: 'string', default: smoke ? '2' : '60' },
    rate: { type: 'string', default: '4' },
    ...smokeOption,
  },
});
const RUN_MS = Number(values.minutes) * 60_000;
const WINDOW_MS = Number(values['sample-seconds']) * 1000;
const RATE = Number(values.rate);
const KINDS = ['smtp', 'signin', 'api', 'policy'] as const;
type Kind = (typeof KINDS)[number];

/** Flat: the last third within this much of the first third. */
const RSS_SLACK_BYTES = 32 * 1024 * 1024;
const RSS_SLACK_SHARE = 0.15;
const FD_SLACK = 8;
const P95_SLACK_FACTOR = 2;
const P95_SLACK_MS = 5;

interface Window {
  atS: number;
  rssMb: number;
  fds: number;
  latencies: Record<Kind, number[]>;
  errors: Record<Kind, number>;
}

const emptyWindow = (atS: number): Window => ({
  atS,
  rssMb: 0,
  fds: 0,
  latencies: { smtp: [], signin: [], api: [], policy: [] },
  errors: { smtp: 0, signin: 0, api: 0, policy: 0 },
});

function percentile(samples: number[], share: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
}

/** Runs `operation` every 1000/perSecond ms until the deadline, recording into the current window. */
async function paced(
  kind: Kind,
  perSecond: number,
  deadline: number,
  current: () => Window,
  operation: (sequence: number) => Promise<void>,
): Promise<void> {
  const intervalMs = 1000 / perSecond;
  let next = performance.now();
  for (let sequence = 0; Date.now() < deadline; sequence++) {
    const started = performance.now();
    try {
      await operation(sequence);
      current().latencies[kind].push(performance.now() - started);
    } catch {
      current().errors[kind]++;
    }
    next += intervalMs;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else next = performance.now(); // behind: never burst to catch up
  }
}

function workers(served: ServedMailwarden, deadline: number, current: () => Window): Promise<void>[] {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: served.ports.smtp,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: SENDER, pass: served.appPassword },
    pool: true,
    maxConnections: 2,
    maxMessages: 20,
  });
  const api = (path: string) =>
    fetch(`http://127.0.0.1:${served.ports.http}${path}`, {
      headers: { authorization: `Bearer ${served.apiToken}` },
    });
  const apiPaths = ['/api/v1/audit?limit=20', '/api/v1/users', '/api/v1/alerts', '/api/v1/signins?limit=20'];
  let policy: PolicyClient | null = null;
  return [
    paced('smtp', RATE, deadline, current, async (sequence) => {
      const messageId = `<soak-${sequence}@example.org>`;
      const info = await transport.sendMail({
        envelope: { from: SENDER, to: ['carol@customer.test'] },
        raw: `From: ${SENDER}\r\nTo: carol@customer.test\r\nSubject: soak ${sequence}\r\nMessage-ID: ${messageId}\r\n\r\n${'x'.repeat(1500)}\r\n`,
      });
      if (!/^250\b/.test(info.response)) throw new Error(info.response);
    }).finally(() => transport.close()),
    paced('signin', RATE, deadline, current, async () => {
      const response = await fetch(`http://127.0.0.1:${served.ports.http}/dovecot/passdb`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${DOVECOT_AUTH_SECRET}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          user: SENDER,
          mode: 'verify',
          password: served.appPassword,
          service: 'imap',
          rip: '127.0.0.1',
        }).toString(),
      });
      await response.text();
      if (response.status !== 200) throw new Error(`passdb ${response.status}`);
    }),
    paced('api', RATE, deadline, current, async (sequence) => {
      const response = await api(apiPaths[sequence % apiPaths.length]!);
      await response.text();
      if (response.status !== 200) throw new Error(`api ${response.status}`);
    }),
    paced('policy', RATE * 2, deadline, current, async (sequence) => {
      policy ??= await PolicyClient.connect(served.ports.policy);
      const base = { instance: `soak.${sequence}`, sasl_username: SENDER, sender: SENDER };
      try {
        const rcpt = await policy.ask(rcptRequest(base));
        if (rcpt !== 'DUNNO') throw new Error(`RCPT: ${rcpt}`);
        const end = await policy.ask(
          rcptRequest({ ...base, protocol_state: 'END-OF-MESSAGE', recipient_count: '1', size: '1500' }),
        );
        if (end !== 'DUNNO') throw new Error(`END-OF-MESSAGE: ${end}`);
      } catch (error) {
        if (policy.closed) policy = null;
        throw error;
      }
    }).finally(() => policy?.close()),
  ];
}

function verdict(windows: Window[]): { flat: boolean; reasons: string[] } {
  const measured = windows.length >= 4 ? windows.slice(1) : windows;
  const third = Math.max(1, Math.floor(measured.length / 3));
  const first = measured.slice(0, third);
  const last = measured.slice(-third);
  const mean = (items: Window[], pick: (window: Window) => number) =>
    items.reduce((sum, window) => sum + pick(window), 0) / items.length;
  const reasons: string[] = [];
  const rssFirst = mean(first, (window) => window.rssMb);
  const rssLast = mean(last, (window) => window.rssMb);
  const rssSlackMb = Math.max(RSS_SLACK_BYTES / 1048576, rssFirst * RSS_SLACK_SHARE);
  if (rssLast - rssFirst > rssSlackMb)
    reasons.push(
      `RSS grew ${rssFirst.toFixed(0)} → ${rssLast.toFixed(0)} MB (slack ${rssSlackMb.toFixed(0)} MB)`,
    );
  const fdFirst = mean(first, (window) => window.fds);
  const fdLast = mean(last, (window) => window.fds);
  if (fdLast - fdFirst > FD_SLACK)
    reasons.push(`open descriptors grew ${fdFirst.toFixed(0)} → ${fdLast.toFixed(0)}`);
  for (const kind of KINDS) {
    const p95First = percentile(
      first.flatMap((window) => window.latencies[kind]),
      0.95,
    );
    const p95Last = percentile(
      last.flatMap((window) => window.latencies[kind]),
      0.95,
    );
    if (p95Last > p95First * P95_SLACK_FACTOR + P95_SLACK_MS)
      reasons.push(`${kind} p95 grew ${p95First.toFixed(1)} → ${p95Last.toFixed(1)} ms`);
    const errors = windows.reduce((sum, window) => sum + window.errors[kind], 0);
    if (errors > 0) reasons.push(`${errors} ${kind} operations failed`);
  }
  return { flat: reasons.length === 0, reasons };
}

function printRow(window: Window): void {
  const cells = KINDS.map((kind) => {
    const samples = window.latencies[kind];
    const figure = (share: number) => percentile(samples, share).toFixed(1);
    return `${String(samples.length).padStart(5)} ${figure(0.5).padStart(6)} ${figure(0.95).padStart(6)} ${figure(0.99).padStart(6)} ${String(window.errors[kind]).padStart(3)}`;
  });
  console.log(
    `${String(window.atS).padStart(6)} ${window.rssMb.toFixed(0).padStart(6)} ${String(window.fds).padStart(4)} | ${cells.join(' | ')}`,
  );
}

async function main(): Promise<void> {
  const sink = await startCountingSink();
  const served = await prepareMailwarden({ relayUrl: `smtp://127.0.0.1:${sink.port}` });
  await served.start();
  const windows: Window[] = [];
  try {
    console.log(
      `soak: ${(RUN_MS / 60_000).toFixed(2)} min, a window every ${WINDOW_MS / 1000} s; per second: ${RATE} SMTP sends, ${RATE} sign-ins, ${RATE} API reads, ${RATE * 2} policy requests (pid ${served.child.pid})`,
    );
    const kindHeader = (kind: string) => `${kind.padEnd(5)}     p50    p95    p99 err`;
    console.log(`     s rss MB  fds | ${KINDS.map(kindHeader).join(' | ')}`);
    const started = Date.now();
    const deadline = started + RUN_MS;
    let window = emptyWindow(0);
    const load = Promise.all(workers(served, deadline, () => window));
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(WINDOW_MS, deadline - Date.now())));
      const closed = window;
      window = emptyWindow(Math.round((Date.now() - started) / 1000));
      closed.atS = window.atS;
      closed.rssMb = served.rssBytes() / 1048576;
      closed.fds = served.openFds();
      windows.push(closed);
      printRow(closed);
    }
    await load;
    const outcome = verdict(windows);
    console.log(`messages relayed to the sink: ${sink.received()}`);
    console.log(`verdict: ${outcome.flat ? 'flat' : `not flat (${outcome.reasons.join('; ')})`}`);
    const stopped = await served.stop();
    if (stopped !== 0) throw new Error(`mailwarden did not stop cleanly (exit ${stopped})`);
  } finally {
    await served.remove();
    await sink.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
