import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import {
  type CliResult,
  freePort,
  NO_DNS_SERVER,
  runMailwarden,
  startMailwardenServe,
} from './cli-process.js';
import { addUser, cliActor, makeTempDir } from './test-app.js';

/**
 * `mailwarden serve` as a child process on a data dir of its own, as an operator runs it: for the
 * tests and benchmarks that kill it, starve it, flood it or watch it for an hour. The account, its
 * app password, a sending policy far above any load and an admin API token are made in-process
 * before the first start (four CLI runs would cost seconds each on a loaded machine).
 */
export const SENDER = 'alice@example.org';
export const SENDER_PASSWORD = 'alice-account-password-123';
export const DOVECOT_AUTH_SECRET = 'fault-dovecot-auth-secret-0123456789';
export const DOVECOT_EVENTS_SECRET = 'fault-dovecot-events-secret-0123456789';

export interface ServedMailwarden {
  readonly env: Record<string, string>;
  readonly dataDir: string;
  readonly ports: { smtp: number; smtps: number; http: number; policy: number };
  /** An app password of SENDER with the smtp and imap scopes. */
  readonly appPassword: string;
  /** An admin API token. */
  readonly apiToken: string;
  readonly child: ChildProcess;
  /** Everything the running (or last) process wrote to stdout and stderr. */
  log(): string;
  /** Starts `serve` (again) on the same data dir and ports. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown, no flush, as a power cut or the OOM killer would. */
  kill9(): Promise<void>;
  /** SIGTERM and the exit status of the graceful stop. */
  stop(): Promise<number | null>;
  alive(): boolean;
  /** Resident memory of the running process, from /proc. */
  rssBytes(): number;
  /** Open file descriptors of the running process (sockets, files, pipes), from /proc. */
  openFds(): number;
  cli(args: readonly string[], input?: string): Promise<CliResult>;
  /** Stops the process if it runs and removes the data dir. */
  remove(): Promise<void>;
}

export interface ServedOptions {
  /** Where accepted mail goes: the local spool (default) or an upstream such as `smtp://127.0.0.1:PORT`. */
  relayUrl?: string;
  /** More MAILWARDEN_* variables (e.g. MAILWARDEN_RELAY_TIMEOUT_MS). */
  env?: Record<string, string>;
  /** A PostgreSQL database (MAILWARDEN_DATABASE_URL) instead of the data dir's SQLite file. */
  databaseUrl?: string;
  /** The account and token an earlier instance on the same database made: nothing is seeded again. */
  seeded?: SeededCredentials;
}

export interface SeededCredentials {
  appPassword: string;
  apiToken: string;
}

/** What every instance of one cluster shares besides the database (see docs/OPERATIONS.md "Scaling out"). */
const CLUSTER_SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

/**
 * `count` instances of `mailwarden serve` on one PostgreSQL database, as a cluster behind a load
 * balancer runs them: one database URL (each with its own application_name, `mailwarden-1`…, so
 * pg_stat_activity tells them apart), the same secrets key, the balancer on 127.0.0.1 trusted for
 * PROXY headers, and a data dir and ports each. The first seeds the account; none is started.
 */
export async function prepareMailwardenCluster(
  count: number,
  options: Omit<ServedOptions, 'seeded'> & { databaseUrl: string },
): Promise<ServedMailwarden[]> {
  const instances: ServedMailwarden[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const url = new URL(options.databaseUrl);
      url.searchParams.set('application_name', `mailwarden-${index + 1}`);
      instances.push(
        await prepareMailwarden({
          ...options,
          databaseUrl: url.toString(),
          env: {
            MAILWARDEN_SECRETS_KEY: CLUSTER_SECRETS_KEY,
            MAILWARDEN_PROXY_TRUSTED_ADDRESSES: '127.0.0.1',
            ...options.env,
          },
          ...(instances[0] ? { seeded: instances[0] } : {}),
        }),
      );
    }
  } catch (error) {
    for (const instance of instances) await instance.remove();
    throw error;
  }
  return instances;
}

export async function prepareMailwarden(options: ServedOptions = {}): Promise<ServedMailwarden> {
  const temp = makeTempDir('mailwarden-served-');
  const dataDir = path.join(temp.dir, 'data');
  const ports = {
    smtp: await freePort(),
    smtps: await freePort(),
    http: await freePort(),
    policy: await freePort(),
  };
  const env: Record<string, string> = {
    MAILWARDEN_DATA_DIR: dataDir,
    MAILWARDEN_LISTEN: '127.0.0.1',
    MAILWARDEN_SMTP_PORT: String(ports.smtp),
    MAILWARDEN_SMTPS_PORT: String(ports.smtps),
    MAILWARDEN_HTTP_PORT: String(ports.http),
    MAILWARDEN_POLICY_PORT: String(ports.policy),
    MAILWARDEN_DOVECOT_AUTH_SECRET: DOVECOT_AUTH_SECRET,
    MAILWARDEN_DOVECOT_EVENTS_SECRET: DOVECOT_EVENTS_SECRET,
    MAILWARDEN_SCORE_DAILY_SNAPSHOT: 'false',
    MAILWARDEN_SHUTDOWN_GRACE_MS: '5000',
    MAILWARDEN_DNS_SERVERS: NO_DNS_SERVER,
    ...(options.relayUrl ? { MAILWARDEN_RELAY_URL: options.relayUrl } : {}),
    ...(options.databaseUrl ? { MAILWARDEN_DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  };
  const { appPassword, apiToken } = options.seeded ?? (await seedAccount(env));

  let running: Awaited<ReturnType<typeof startMailwardenServe>> | null = null;
  let lastLog = '';
  const current = () => {
    if (!running) throw new Error('mailwarden is not running');
    return running;
  };
  const proc = (name: string) => `/proc/${current().child.pid}/${name}`;
  const served: ServedMailwarden = {
    env,
    dataDir,
    ports,
    appPassword,
    apiToken,
    get child() {
      return current().child;
    },
    log: () => (running ? running.log() : lastLog),
    async start() {
      running = await startMailwardenServe({ env });
    },
    async kill9() {
      const { child, exited, log } = current();
      child.kill('SIGKILL');
      await exited;
      lastLog = log();
      running = null;
    },
    async stop() {
      const { child, exited, log } = current();
      child.kill('SIGTERM');
      const code = await exited;
      lastLog = log();
      running = null;
      return code;
    },
    alive: () => running !== null && running.child.exitCode === null && running.child.signalCode === null,
    rssBytes() {
      const status = readFileSync(proc('status'), 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    openFds: () => readdirSync(proc('fd')).length,
    cli: (args, input) => runMailwarden(args, { env, input }),
    async remove() {
      if (running && served.alive()) await served.kill9();
      temp.remove();
    },
  };
  return served;
}

async function seedAccount(env: Record<string, string>): Promise<{ appPassword: string; apiToken: string }> {
  const loaded = loadConfig({ env });
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const app = await buildApp(loaded.config, { logger: silentLogger });
  try {
    await addUser(app, SENDER, SENDER_PASSWORD);
    const password = await app.identity.createAppPassword(
      SENDER,
      { name: 'load', scopes: ['smtp', 'imap'] },
      cliActor,
    );
    if (!password.ok) throw new Error(password.message);
    // The default policy allows 30 messages a minute: a load run would measure throttling. Every
    // check still runs on every message; reaching a limit only alerts.
    const policy = await app.outbound.setPolicy(
      'load',
      {
        settings: {
          perMinute: 100_000,
          externalPerHour: 1_000_000,
          internalPerHour: 1_000_000,
          perDay: 1_000_000,
          action: 'alert',
        },
        scope: { users: [SENDER] },
        priority: 1,
      },
      cliActor,
    );
    if (!policy.ok) throw new Error(policy.message);
    const token = await app.directory.createApiToken({ name: 'load', role: 'admin' }, cliActor);
    if (!token.ok) throw new Error(token.message);
    return { appPassword: password.password, apiToken: token.token };
  } finally {
    await app.close();
  }
}

/** The Message-ID headers of every message in the spool (`DATA_DIR/spool/*.eml`). */
export function spooledMessageIds(dataDir: string): Set<string> {
  const spool = path.join(dataDir, 'spool');
  const ids = new Set<string>();
  for (const name of readdirSync(spool)) {
    if (!name.endsWith('.eml')) continue;
    const id = /^Message-ID: *(<[^>\r\n]+>)/im.exec(readFileSync(path.join(spool, name), 'utf8'))?.[1];
    if (id) ids.add(id);
  }
  return ids;
}

/** The Message-IDs of every Send record in the audit log, through the CLI's streaming export. */
export async function sendRecordMessageIds(served: ServedMailwarden): Promise<Set<string>> {
  const exported = await served.cli(['audit', 'export', '--operation', 'Send', '--format', 'jsonl']);
  if (exported.code !== 0) throw new Error(`audit export failed: ${exported.stderr}`);
  const ids = new Set<string>();
  for (const line of exported.stdout.split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as { messageId?: string | null };
    if (record.messageId) ids.add(record.messageId);
  }
  return ids;
}
