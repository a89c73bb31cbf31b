import path from 'node:path';
import { type Alerts, createAlerts } from './alerts/index.js';
import { type AuditLog, createAuditLog } from './audit/index.js';
import { anchorAuditHead, countSignIns, createScoreInputs, databaseReadings } from './composition/index.js';
import type { Config } from './config/index.js';
import { createDelivery, type Delivery } from './delivery/index.js';
import { createDirectory, type Directory } from './directory/index.js';
import { formatter, translator } from './i18n/index.js';
import { createIdentity, createPasswordHasher, type Identity } from './identity/index.js';
import { createImporting, type Importing } from './importing/index.js';
import {
  createDoveadmClient,
  createDovecotEventIngest,
  createRspamdClient,
  type DoveadmClient,
  type DovecotEventIngest,
  type RspamdClient,
} from './mailstack/index.js';
import { createMetrics, type Metrics, type MetricsSiblings } from './metrics/index.js';
import { createNotifier, type Notifier } from './notify/index.js';
import { createOutbound, type Outbound } from './outbound/index.js';
import { createRespond, type Respond } from './respond/index.js';
import { type Clock, systemClock } from './runtime/clock.js';
import { createGeoLookup } from './runtime/geoip.js';
import type { Logger } from './runtime/logger.js';
import { createSecretBox } from './runtime/secret-box.js';
import { createScore, type Score } from './score/index.js';
import { createOrgSettings, type OrgSettingsService } from './settings/index.js';
import { logFailedSignIns } from './sign-in-log.js';
import { openStore, type SiblingChannel, type Store } from './store/index.js';

/** The domain modules over one store: what the server, the CLI and the tests all build on. */
export interface App {
  config: Config;
  store: Store;
  audit: AuditLog;
  settings: OrgSettingsService;
  directory: Directory;
  identity: Identity;
  alerts: Alerts;
  outbound: Outbound;
  delivery: Delivery;
  notifier: Notifier;
  score: Score;
  respond: Respond;
  /** `mailwarden import` and the periodic sync from import.source. */
  importing: Importing;
  /** Dovecot's doveadm HTTP API, when dovecot.doveadmUrl and dovecot.doveadmApiKey are set. */
  doveadm: DoveadmClient | null;
  /**
   * Dovecot's events → the mailbox audit (POST /dovecot/events, counted in /metrics). It opens its
   * spool (DATA_DIR/dovecot-events) on the first request, so a process that serves none (a CLI
   * command) never touches it.
   */
  dovecotEvents: DovecotEventIngest;
  /** The site's Rspamd (spam.rspamdUrl), asked about each outgoing message; its counters. */
  rspamd: RspamdClient | null;
  /** This process's metrics (GET /metrics): the recorders the adapters take, and the registry's text. */
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  /** Which worker of `serve` this process is; null in a single process (and in the CLI). */
  worker: WorkerRole | null;
  close(): Promise<void>;
}

export interface AppDeps {
  logger: Logger;
  clock?: Clock;
  /**
   * prom-client's process_* and nodejs_* series in /metrics: `serve` turns them on. Off by default,
   * since each set keeps watching GC and the event loop for the life of the process, which a CLI
   * command or a test building many apps has no use for.
   */
  processMetrics?: boolean;
  /** This process is worker `slot` (1…count) of `serve`'s supervisor (worker-pool.ts). */
  worker?: WorkerRole;
}

/** What a worker process of `serve` is told by the supervisor that started it. */
export interface WorkerRole {
  /** 1…count; a replacement takes the number of the worker it replaces. */
  slot: number;
  count: number;
  /** The first worker of a start: it does what must happen once before the others start. */
  first: boolean;
  /** The other workers, through the supervisor. */
  siblings: SiblingChannel;
  /** The other workers' metrics, for /metrics (absent: this worker's own only). */
  metrics?: MetricsSiblings;
}

/**
 * Worker 1 keeps the single process's file and cursor names, so a host that goes from one process to
 * several (or back) resumes the spool it has; worker N > 1 has `dovecot-events-N`.
 */
export function dovecotSpool(dataDir: string, slot: number): { dir: string; source: string } {
  const source = slot === 1 ? 'dovecot-events' : `dovecot-events-${slot}`;
  return { dir: path.join(dataDir, source), source };
}

export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const clock = deps.clock ?? systemClock;
  const metrics = createMetrics({
    processMetrics: deps.processMetrics ?? false,
    ...(deps.worker?.metrics ? { siblings: deps.worker.metrics } : {}),
  });
  const store = await openStore({
    databaseUrl: config.database.url,
    dataDir: config.data.dir,
    poolSize: config.database.poolSize,
    ...(deps.worker
      ? { worker: { siblings: deps.worker.siblings, leadsPeriodicJobs: deps.worker.slot === 1 } }
      : {}),
  });
  const secrets = createSecretBox({ key: config.secrets.key, dataDir: config.data.dir });
  const audit = createAuditLog({
    store,
    clock,
    secrets,
    logger: deps.logger,
    onRecorded: (records) => metrics.auditRecorded(records),
    anchoring: {
      enabled: config.audit.anchoring,
      file: config.audit.anchorFile ?? path.join(config.data.dir, 'audit-anchors.jsonl'),
      keyFile: config.audit.anchorKeyFile ?? path.join(config.data.dir, 'keys', 'audit-anchor.key'),
      syslog: config.audit.anchorSyslog,
      webhookUrl: config.audit.anchorWebhookUrl,
    },
  });
  const settings = createOrgSettings({
    store,
    audit,
    clock,
    defaults: { 'audit.retentionDays': config.audit.retentionDays },
  });
  const passwords = createPasswordHasher({ bannedListEnabled: () => settings.get('passwords.bannedList') });
  const directory = createDirectory({ store, audit, clock, passwords });
  // Alerts call onRaised only after a commit, never while buildApp runs: the notifier below exists by then.
  const alerts = createAlerts({
    store,
    audit,
    clock,
    onRaised: (alert, isNew) => {
      metrics.alertRaised(alert.type, alert.severity);
      notifier.alertRaised(alert, isNew);
    },
  });
  const identity = createIdentity({
    store,
    directory,
    audit,
    alerts,
    settings,
    clock,
    passwords,
    geo: createGeoLookup({
      file: config.geoip.file,
      onError: (error) => deps.logger.warn('geoip data could not be read', { error }),
    }),
    // Second factors: TOTP seeds sealed at rest; web session lifetimes.
    secrets,
    webSessions: {
      idleTimeoutMs: config.web.sessionIdleMinutes * 60_000,
      absoluteTimeoutMs: config.web.sessionMaxHours * 3_600_000,
    },
  });
  logFailedSignIns(identity, deps.logger);
  countSignIns(identity, metrics);
  await identity.startLastSignInTracking();
  const rspamd = config.spam.rspamdUrl
    ? createRspamdClient({
        url: config.spam.rspamdUrl,
        timeoutMs: config.spam.rspamdTimeoutMs,
        logger: deps.logger.child({ role: 'rspamd' }),
      })
    : null;
  const outbound = createOutbound({
    store,
    audit,
    alerts,
    directory,
    clock,
    logger: deps.logger,
    ...(rspamd ? { externalSpamCheck: rspamd } : {}),
  });
  const delivery = createDelivery(
    {
      relay: config.relay.url
        ? {
            url: config.relay.url,
            poolSize: config.relay.poolSize,
            timeoutMs: config.relay.timeoutMs,
            rejectUnauthorized: config.relay.rejectUnauthorized,
          }
        : null,
      spoolDir: path.join(config.data.dir, 'spool'),
      hostname: config.smtp.hostname,
    },
    { clock, logger: deps.logger },
  );
  const notifier = createNotifier({
    store,
    audit,
    clock,
    logger: deps.logger,
    directory,
    delivery,
    secrets,
    hostname: config.smtp.hostname,
    webhookTargets: {
      allowInternalHosts: config.notify.webhooks.allowInternalHosts,
      dnsServers: config.dns.servers,
      dnsTimeoutMs: config.dns.timeoutMs,
      dnsTries: config.dns.tries,
    },
    emailFrom: config.notify.emailFrom,
    // Alert emails in the recipient's language (theirs, else the organization's) and the
    // organization's time zone, read when each is written.
    language: async (locale) => {
      const org = await settings.current();
      const chosen = locale ?? org.locale;
      return { t: translator(chosen), fmt: formatter(chosen, org.timeZone) };
    },
  });
  const score = createScore({
    store,
    audit,
    clock,
    inputs: createScoreInputs({
      config,
      store,
      directory,
      identity,
      outbound,
      notifier,
      audit,
      settings,
      clock,
    }),
  });
  const doveadm =
    config.dovecot.doveadmUrl && config.dovecot.doveadmApiKey
      ? createDoveadmClient({ url: config.dovecot.doveadmUrl, apiKey: config.dovecot.doveadmApiKey })
      : null;
  const respond = createRespond({
    directory,
    identity,
    outbound,
    audit,
    alerts,
    store,
    mailServer: doveadm,
    trashFolders: config.dovecot.trashFolders,
  });
  const importing = createImporting({ store, audit, clock });
  const eventSpool = dovecotSpool(config.data.dir, deps.worker?.slot ?? 1);
  const dovecotEvents = createDovecotEventIngest({
    audit,
    clock,
    logger: deps.logger.child({ role: 'dovecot-events' }),
    trashFolders: config.dovecot.trashFolders,
    spoolDir: eventSpool.dir,
    source: eventSpool.source,
    doveadm,
    onInboxRuleChanged: (change) => respond.reviewInboxRuleChange(change),
    isOwnDeactivation: (mailbox, timeMs) => respond.isOwnDeactivation(mailbox, timeMs),
  });
  metrics.pull({
    dovecotEvents: () => dovecotEvents.counters(),
    unrecordedSends: () => outbound.unrecordedSends.count(),
    ...(rspamd ? { rspamd: () => rspamd.counters() } : {}),
  });
  metrics.read(databaseReadings(store, clock));
  return {
    config,
    store,
    audit,
    settings,
    directory,
    identity,
    alerts,
    outbound,
    delivery,
    notifier,
    score,
    respond,
    importing,
    doveadm,
    dovecotEvents,
    rspamd,
    metrics,
    clock,
    logger: deps.logger,
    worker: deps.worker ?? null,
    async close() {
      // A process that wrote records (a CLI command) anchors them before it goes; the server's timer
      // anchors what others wrote.
      await audit.flush();
      if (audit.anchors.movedSinceAnchor())
        await anchorAuditHead({ audit, alerts, store, logger: deps.logger }).catch((error: unknown) =>
          deps.logger.warn('the audit head could not be anchored; the server anchors it within a minute', {
            error,
          }),
        );
      await notifier.stop();
      // Refusals still gathered in memory are written before the audit log closes.
      await outbound.close();
      await audit.close();
      await delivery.close();
      await store.close();
    },
  };
}
