/**
 * Idle sessions: the memory of `mailwarden serve` holding many signed-in SMTP sessions that do
 * nothing (mail clients keep their connection open), one process against MAILWARDEN_WORKERS=N in the
 * same run. Issue 22's target: 1,000 idle sessions under 200 MB across all workers.
 *
 * Each session connects, says EHLO, STARTTLS, EHLO, and signs in with an app password, then idles.
 * Memory is read from /proc for the supervisor and every worker (or the one process): the sum of
 * their resident sets (RSS, what `top` shows; pages shared between the processes, such as Node's
 * own code, count once per process) and of their proportional sets (PSS, shared pages split between
 * the processes that map them: what the host really spends). Each process is listed too (PSS and the
 * anonymous part of it: V8 heap, buffers, OpenSSL and SQLite), then the totals and the target.
 *
 *   npm run build && node dist/bench/idle-sessions/idle-sessions.bench.js [--sessions 1000]
 *     [--workers 2] [--smoke]
 */
import { parseArgs } from 'node:util';
import type { ServedMailwarden } from '../../test/support/served-mailwarden.js';
import { SENDER } from '../../test/support/served-mailwarden.js';
import { memoryOfAll, prepareWorkers } from '../../test/support/served-workers.js';
import { SmtpDialogue } from '../../test/support/smtp-dialogue.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: sized(1000, 20) },
    workers: { type: 'string', default: '2' },
    ...smokeOption,
  },
});
const SESSIONS = Number(values.sessions);
const WORKERS = Number(values.workers);
/** Sessions opened at a time (a burst of 1,000 TLS handshakes would measure the handshakes). */
const OPENING = 50;
const MB = 1024 * 1024;
/** Issue 22: 1,000 idle sessions under 200 MB (PSS) across every process of the server. */
const TARGET_SESSIONS = 1000;
const TARGET_PSS_MB = 200;

async function idleSession(served: ServedMailwarden): Promise<SmtpDialogue> {
  const { client } = await SmtpDialogue.connect(served.ports.smtp);
  await client.command('EHLO client.test');
  if ((await client.startTls()).code !== 220) throw new Error('STARTTLS refused');
  await client.command('EHLO client.test');
  const auth = await client.authPlain(SENDER, served.appPassword);
  if (auth.code !== 235) throw new Error(`AUTH: ${auth.code} ${auth.text}`);
  return client;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));
const mb = (bytes: number) => (bytes / MB).toFixed(1);

function listProcesses(label: string, memory: ReturnType<typeof memoryOfAll>): void {
  let worker = 0;
  for (const one of memory.each) {
    const name = one.role === 'worker' ? `worker ${++worker}` : one.role;
    console.log(
      `  ${label}: ${name.padEnd(10)} pid ${one.pid}: RSS ${mb(one.rssBytes)} MB, PSS ${mb(one.pssBytes)} MB (anonymous ${mb(one.pssAnonBytes)} MB)`,
    );
  }
}

async function measure(workers: number): Promise<void> {
  const served = await prepareWorkers({
    workers,
    env: {
      MAILWARDEN_HTTP_ENABLED: 'false',
      MAILWARDEN_POLICY_ENABLED: 'false',
      MAILWARDEN_SMTP_MAX_CLIENTS: String(SESSIONS + 100),
      MAILWARDEN_LOG_LEVEL: 'info',
    },
  });
  const clients: SmtpDialogue[] = [];
  try {
    await served.start();
    await settle();
    const idle = memoryOfAll(served);
    while (clients.length < SESSIONS) {
      const batch = Math.min(OPENING, SESSIONS - clients.length);
      clients.push(...(await Promise.all(Array.from({ length: batch }, () => idleSession(served)))));
    }
    await settle();
    const held = memoryOfAll(served);
    const perSessionKb = ((held.pssBytes - idle.pssBytes) / SESSIONS / 1024).toFixed(1);
    listProcesses('no session', idle);
    listProcesses(`${SESSIONS} sessions`, held);
    console.log(
      `workers=${workers}: ${idle.processes} process(es); no session: RSS ${mb(idle.rssBytes)} MB, PSS ${mb(idle.pssBytes)} MB; ` +
        `${SESSIONS} idle sessions: RSS ${mb(held.rssBytes)} MB, PSS ${mb(held.pssBytes)} MB (${perSessionKb} KB PSS a session)`,
    );
    const verdict =
      SESSIONS < TARGET_SESSIONS
        ? `not judged at ${SESSIONS} sessions (the target is for ${TARGET_SESSIONS})`
        : held.pssBytes < TARGET_PSS_MB * MB
          ? 'met'
          : 'NOT met';
    console.log(
      `workers=${workers}: target ${TARGET_SESSIONS} idle sessions under ${TARGET_PSS_MB} MB PSS across all ${held.processes} process(es): ${verdict}`,
    );
  } finally {
    for (const client of clients) client.destroy();
    await served.remove();
  }
}

for (const workers of [...new Set([1, WORKERS])]) await measure(workers);
