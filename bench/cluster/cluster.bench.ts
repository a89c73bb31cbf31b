/**
 * Scaling out: the same SMTP submission load through HAProxy (send-proxy-v2) to one `mailwarden serve`
 * and then to three, all on one PostgreSQL database, relaying to a sink on loopback. For each it
 * reports messages per second, the CPU each part used (Mailwarden processes, PostgreSQL backends of
 * the database, HAProxy, the load generator), so messages per CPU-second of Mailwarden (what a core
 * gives), and the most PostgreSQL connections each instance held (pg_stat_activity by
 * application_name, `mailwarden-N`), sampled through the run.
 *
 *   npm run build && node dist/bench/cluster/cluster.bench.js [--messages 3000] [--warmup 300]
 *     [--clients 12] [--smoke]
 * On one machine every process shares its cores: three instances cannot be faster than one when the
 * cores are busy already, so the figure that carries over is messages per Mailwarden CPU-second (and
 * PostgreSQL's), not the wall-clock ratio. --smoke: 40 messages, 10 warm-up, 2 clients.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CHANGE_CHANNEL } from '../../src/store/index.js';
import { type RunningHaproxy, startHaproxy } from '../../test/support/haproxy.js';
import { seededRandom } from '../../test/support/seeded-random.js';
import {
  prepareMailwardenCluster,
  SENDER,
  type ServedMailwarden,
} from '../../test/support/served-mailwarden.js';
import { startSmtpLoad, waitUntil } from '../../test/support/smtp-load.js';
import { createPostgresDatabase } from '../../test/support/test-app.js';
import { startCountingSink } from '../counting-sink.js';
import { sized, smokeOption } from '../smoke-size.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: sized(3000, 40) },
    warmup: { type: 'string', default: sized(300, 10) },
    clients: { type: 'string', default: sized(12, 2) },
    ...smokeOption,
  },
});
const MESSAGES = Number(values.messages);
const WARMUP = Number(values.warmup);
const CLIENTS = Number(values.clients);
const CLK_TCK = 100;

/** user+system CPU seconds of a process so far (0 once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

interface Measurement {
  instances: number;
  messages: number;
  seconds: number;
  cpu: { mailwarden: number; postgres: number; haproxy: number; client: number };
  /** Most connections each instance held at once, by application_name. */
  connections: Map<string, number>;
  /** NOTIFY mailwarden_changes heard during the run (each makes every instance drop caches). */
  changeNotifications: number;
  refused: number;
  unanswered: number;
}

async function measure(count: number): Promise<Measurement> {
  const database = await createPostgresDatabase();
  const sink = await startCountingSink();
  // Two connections: the sampler's queries, and one listening for the instances' change notifications.
  const admin = new pg.Pool({ connectionString: database.url, max: 2 });
  const listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  let notifications = 0;
  listener.on('notification', () => {
    notifications++;
  });
  await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
  let instances: ServedMailwarden[] = [];
  let haproxy: RunningHaproxy | null = null;
  try {
    instances = await prepareMailwardenCluster(count, {
      databaseUrl: database.url,
      relayUrl: `smtp://127.0.0.1:${sink.port}`,
    });
    for (const instance of instances) await instance.start();
    haproxy = await startHaproxy(instances.map((instance) => instance.ports.smtp));
    const backends = async () =>
      (
        await admin.query<{ pid: number; name: string }>(
          `select pid, application_name as name from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid()`,
        )
      ).rows;
    const connections = new Map<string, number>();
    const postgresCpu = new Map<number, { from: number; to: number }>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const perName = new Map<string, number>();
        for (const { pid, name } of await backends()) {
          perName.set(name, (perName.get(name) ?? 0) + 1);
          const seen = postgresCpu.get(pid);
          if (seen) seen.to = cpuSeconds(pid);
        }
        for (const [name, held] of perName) connections.set(name, Math.max(connections.get(name) ?? 0, held));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    const load = startSmtpLoad({
      port: haproxy.port,
      clients: CLIENTS,
      user: SENDER,
      password: instances[0]!.appPassword,
      random: seededRandom(20_261_223),
      idPrefix: `bench-${count}`,
    });
    try {
      await waitUntil(() => load.outcome.accepted.length >= WARMUP, 300_000, 'warm-up');
      const processes = [...instances.map((instance) => instance.child.pid ?? 0)];
      const before = processes.map(cpuSeconds);
      const haproxyBefore = cpuSeconds(haproxy.pid);
      const clientBefore = process.cpuUsage();
      // Backends that start during the run count from zero.
      for (const { pid } of await backends()) {
        const now = cpuSeconds(pid);
        postgresCpu.set(pid, { from: now, to: now });
      }
      const trackNew = setInterval(() => {
        void backends().then((rows) => {
          for (const { pid } of rows) if (!postgresCpu.has(pid)) postgresCpu.set(pid, { from: 0, to: 0 });
        });
      }, 200);
      const from = load.outcome.accepted.length;
      const notificationsFrom = notifications;
      const started = performance.now();
      await waitUntil(() => load.outcome.accepted.length >= from + MESSAGES, 600_000, 'measurement');
      const seconds = (performance.now() - started) / 1000;
      const messages = load.outcome.accepted.length - from;
      const changeNotifications = notifications - notificationsFrom;
      clearInterval(trackNew);
      for (const [pid, span] of postgresCpu) {
        const now = cpuSeconds(pid);
        if (now > 0) span.to = now;
      }
      const client = process.cpuUsage(clientBefore);
      const cpu = {
        mailwarden: processes.map(cpuSeconds).reduce((sum, now, index) => sum + now - before[index]!, 0),
        postgres: [...postgresCpu.values()].reduce((sum, span) => sum + Math.max(0, span.to - span.from), 0),
        haproxy: cpuSeconds(haproxy.pid) - haproxyBefore,
        client: (client.user + client.system) / 1e6,
      };
      return {
        instances: count,
        messages,
        seconds,
        cpu,
        connections,
        changeNotifications,
        refused: load.outcome.refused.length,
        unanswered: load.outcome.unanswered,
      };
    } finally {
      await load.stop();
      sampling = false;
      await sampler;
    }
  } finally {
    await admin.end();
    await listener.end();
    await haproxy?.stop();
    for (const instance of instances) await instance.remove();
    await sink.stop();
    await database.drop();
  }
}

const results: Measurement[] = [];
for (const count of [1, 3]) {
  const result = await measure(count);
  results.push(result);
  const { cpu } = result;
  const rate = result.messages / result.seconds;
  const perInstanceConnections = [...result.connections]
    .filter(([name]) => name.startsWith('mailwarden-'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, held]) => `${name} ${held}`)
    .join(', ');
  console.log(
    `${count} instance${count > 1 ? 's' : ''}: ${result.messages} messages in ${result.seconds.toFixed(1)} s: ` +
      `${rate.toFixed(0)} msgs/s (${(rate / count).toFixed(0)} per instance); ` +
      `${(result.messages / cpu.mailwarden).toFixed(0)} msgs per Mailwarden CPU-second, ` +
      `${(result.messages / cpu.postgres).toFixed(0)} per PostgreSQL CPU-second; CPU s: Mailwarden ` +
      `${cpu.mailwarden.toFixed(1)}, PostgreSQL ${cpu.postgres.toFixed(1)}, HAProxy ${cpu.haproxy.toFixed(1)}, ` +
      `load generator ${cpu.client.toFixed(1)}; refused ${result.refused}, unanswered ${result.unanswered}`,
  );
  console.log(
    `  most PostgreSQL connections held: ${perInstanceConnections}; ` +
      `change notifications during the run: ${result.changeNotifications}`,
  );
}
const [one, three] = results as [Measurement, Measurement];
const perCpu = (result: Measurement) => result.messages / result.cpu.mailwarden;
console.log(
  `ratio 3/1: msgs/s ${(three.messages / three.seconds / (one.messages / one.seconds)).toFixed(2)}, ` +
    `msgs per Mailwarden CPU-second ${(perCpu(three) / perCpu(one)).toFixed(2)}`,
);
