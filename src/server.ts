import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { App } from './app.js';
import { anchorAuditHead } from './composition/index.js';
import { parseHostPort } from './config/index.js';
import { removePartialSpoolFiles } from './delivery/index.js';
import {
  checkTlsMaterial,
  createSmtpGateway,
  type GatewayListener,
  loadTlsMaterial,
  type SmtpGateway,
} from './gateway/index.js';
import { createHttpServer, type HttpServer } from './http.js';
import { parseSourceSetting } from './importing/index.js';
import {
  AwaitingContent,
  createMilterServer,
  createPostfixPolicyServer,
  type MilterServer,
  type PostfixPolicyServer,
} from './mailstack/index.js';
import { journalFileOf, listJournalFiles, openSendJournal, type SendJournal } from './outbound/index.js';
import { findLoosePermissions } from './runtime/data-dir-permissions.js';

/** How long at most a delivered message's reply waits for the database to store its Send record. */
const SEND_RECORD_WAIT_MS = 60_000;

/** The network roles of one process (`mailwarden serve`): SMTP submission, HTTP, Postfix policy. */
export interface RunningServer {
  smtpPorts(): Array<{ mode: GatewayListener['mode']; port: number }>;
  httpPort(): number | null;
  policyPort(): number | null;
  milterPort(): number | null;
  /**
   * Reads the TLS certificate and key again (SIGHUP after a Let's Encrypt renewal) and presents
   * them to new connections; open sessions keep theirs. A pair that fails checkTlsMaterial (half
   * written, key of another pair, expired) is not used: the one in use stays, and the log says why.
   */
  reloadTls(files: { certFile: string | null; keyFile: string | null }): Promise<TlsReloadOutcome>;
  stop(): Promise<void>;
}

export type TlsReloadOutcome =
  | { status: 'replaced'; source: string; subject: string; validTo: string; fingerprint256: string }
  | { status: 'kept'; problem: string }
  | { status: 'no-tls-listener' };

export async function startServer(app: App): Promise<RunningServer> {
  const { config, logger } = app;
  let gateway: SmtpGateway | null = null;
  let http: HttpServer | null = null;
  let policy: PostfixPolicyServer | null = null;
  let milter: MilterServer | null = null;
  let journal: SendJournal | undefined;
  // With several workers the first worker 1 checks the data dir, before the others start: a later
  // worker (a replacement) must not remove the partial spool files of another one's sessions.
  if (!app.worker || app.worker.first) await prepareDataDir(app);
  const lead = app.store.lead();
  // What belongs to the host rather than to a process runs on worker 1 only: the anchor file.
  const hostLead = !app.worker || app.worker.slot === 1;
  // The policy service hands a message to the milter in memory (awaiting-content.ts), and Postfix's
  // two connections could reach two workers: with the milter on, worker 1 alone serves both.
  const servesPostfix = !app.worker || app.worker.slot === 1 || config.milter.listen === null;
  const onLead = (job: () => unknown) => (): void => {
    if (lead.isLeader()) void job();
  };
  try {
    const listeners: GatewayListener[] = [];
    if (config.smtp.enabled)
      listeners.push({ mode: 'starttls', host: config.listen, port: config.smtp.port });
    if (config.smtps.enabled)
      listeners.push({ mode: 'implicit-tls', host: config.listen, port: config.smtps.port });
    if (listeners.length > 0) {
      journal = await startSendJournal(app);
      const tls = await loadTlsMaterial({
        certFile: config.tls.certFile,
        keyFile: config.tls.keyFile,
        dataDir: config.data.dir,
        hostname: config.smtp.hostname,
      });
      logger.info('tls certificate loaded', { source: tls.source });
      gateway = createSmtpGateway(
        {
          identity: app.identity,
          directory: app.directory,
          outbound: app.outbound,
          audit: app.audit,
          delivery: app.delivery,
          journal,
          logger: logger.child({ role: 'gateway' }),
          metrics: app.metrics,
          limits: {
            maxMessageBytes: config.smtp.maxMessageBytes,
            maxRecipients: config.smtp.maxRecipients,
            // Half the socket timeout: the client must still be connected to hear the 250.
            sendRecordWaitMs: Math.min(SEND_RECORD_WAIT_MS, Math.floor(config.smtp.socketTimeoutMs / 2)),
          },
        },
        {
          hostname: config.smtp.hostname,
          listeners,
          tls,
          requireTls: config.smtp.requireTls,
          maxClients: config.smtp.maxClients,
          socketTimeoutMs: config.smtp.socketTimeoutMs,
          greetingDelayMs: config.smtp.greetingDelayMs,
          proxyTrustedAddresses: config.proxy.trustedAddresses,
          closeTimeoutMs: config.shutdown.graceMs,
        },
      );
      await gateway.start();
    }
    if (config.http.enabled) {
      http = createHttpServer(app);
      await http.start(config.listen, config.http.port);
    }
    // With the milter on, the policy service hands each counted message to it at END-OF-MESSAGE and
    // its Send record waits for the content verdict (mailstack/milter/awaiting-content.ts).
    const milterAt =
      config.milter.listen === null || !servesPostfix ? null : parseHostPort(config.milter.listen);
    const awaitingContent = milterAt
      ? new AwaitingContent({ ttlMs: 600_000, maxEntries: 10_000, nowMs: () => app.clock.nowMs() })
      : null;
    if (config.policy.enabled && servesPostfix) {
      policy = createPostfixPolicyServer(
        {
          directory: app.directory,
          outbound: app.outbound,
          settings: app.settings,
          audit: app.audit,
          clock: app.clock,
          logger: app.logger,
          metrics: app.metrics,
          config: { policy: config.policy, smtp: config.smtp, shutdown: config.shutdown },
        },
        awaitingContent ? { awaitingContent } : {},
      );
      await policy.start(config.listen, config.policy.port);
    }
    if (milterAt && awaitingContent) {
      milter = createMilterServer(
        {
          directory: app.directory,
          outbound: app.outbound,
          audit: app.audit,
          logger: logger.child({ role: 'milter' }),
          metrics: app.metrics,
          awaitingContent,
          limits: { maxMessageBytes: config.smtp.maxMessageBytes },
        },
        { closeTimeoutMs: config.shutdown.graceMs },
      );
      await milter.start(milterAt.host, milterAt.port);
    }
    // Periodic jobs run on one instance of the cluster: the holder of the lead (store/cluster.ts).
    if (lead.isLeader()) app.notifier.start();
  } catch (error) {
    await gateway?.stop();
    await http?.stop();
    await policy?.stop();
    await milter?.stop();
    journal?.shut();
    throw error;
  }
  // Send counters older than the longest window, and reservations past their time, are dropped every
  // 15 minutes by the instance that runs the periodic jobs.
  const pruneTimer = setInterval(
    onLead(() =>
      app.outbound
        .pruneCounters()
        .catch((error: unknown) => logger.warn('pruning send counters failed', { error })),
    ),
    15 * 60_000,
  );
  pruneTimer.unref();
  // Grouped mailbox records (reads per 2-minute window) are written once their window is over; then
  // the search keys of the records still without them, so that a quiet log's searches read few by id.
  const windowTimer = setInterval(
    onLead(() =>
      app.audit
        .closeItemWindows()
        .catch((error: unknown) => logger.warn('closing audit item windows failed', { error }))
        .then(() => app.audit.writeSearchKeys())
        .catch((error: unknown) => logger.warn('writing audit search keys failed', { error })),
    ),
    15_000,
  );
  windowTimer.unref();
  // Every instance anchors the chain's head to its own anchor file at least every anchorIntervalSeconds
  // while records arrive, and compares it with its newest anchor first (a cut raises a high alert).
  // The workers of one host share the file: worker 1 anchors.
  let anchorInFlight: Promise<unknown> = Promise.resolve();
  let firstAnchor = true;
  const anchorHead = () => {
    const ensureAppendOnly = firstAnchor;
    firstAnchor = false;
    anchorInFlight = anchorAuditHead(app, { ensureAppendOnly }).catch((error: unknown) =>
      logger.warn('anchoring the audit head failed', { error }),
    );
  };
  const anchoring = config.audit.anchoring && hostLead;
  const anchorTimer = anchoring ? setInterval(anchorHead, config.audit.anchorIntervalSeconds * 1000) : null;
  anchorTimer?.unref();
  if (anchoring) anchorHead();
  // Retention: every 6 hours, first a minute after start.
  const retain = () => {
    app.settings
      .get('audit.retentionDays')
      .then((retentionDays) =>
        app.audit.prune({ retentionDays, actor: { actor: 'system', logonType: 'system' } }),
      )
      .then((outcome) => {
        if (outcome.removed > 0) logger.info('audit retention removed old records', { ...outcome });
      })
      .catch((error: unknown) => logger.warn('audit retention failed', { error }));
  };
  const firstRetention = setTimeout(onLead(retain), 60_000);
  firstRetention.unref();
  const retentionTimer = setInterval(onLead(retain), 6 * 3600_000);
  retentionTimer.unref();
  // Secure Score history: one snapshot per UTC day, checked at start and every hour by the lead (the day
  // is unique in the database too).
  let snapshotInFlight: Promise<void> = Promise.resolve();
  const takeDailySnapshot = () => {
    snapshotInFlight = app.score
      .takeDailySnapshotIfDue()
      .then((snapshot) => {
        if (snapshot)
          logger.info('secure score snapshot taken', { score: snapshot.score, max: snapshot.maxScore });
      })
      .catch((error: unknown) => logger.warn('secure score snapshot failed', { error }));
  };
  const snapshotTimer = config.score.dailySnapshot
    ? setInterval(onLead(takeDailySnapshot), 60 * 60_000)
    : null;
  snapshotTimer?.unref();
  if (config.score.dailySnapshot) onLead(takeDailySnapshot)();
  // Sign-in log entries older than signIns.retentionDays go every hour (the first pass a minute after start).
  const pruneSignIns = () => {
    void pruneWebSessions();
    return app.identity
      .pruneSignIns()
      .catch((error: unknown) => logger.warn('pruning the sign-in log failed', { error }));
  };
  // Web sessions over for a day go with the same hourly pass.
  const pruneWebSessions = () =>
    app.identity.webSessions
      .prune()
      .catch((error: unknown) => logger.warn('pruning web sessions failed', { error }));
  const signInPruneStart = setTimeout(onLead(pruneSignIns), 60_000);
  signInPruneStart.unref();
  const signInPruneTimer = setInterval(onLead(pruneSignIns), 60 * 60_000);
  signInPruneTimer.unref();
  // The periodic sync from import.source (the old server stays the directory of record), on the
  // instance that runs the periodic jobs.
  // The first sync runs at start, then every import.intervalMinutes; a sync still running is never
  // overlapped by the next one.
  let syncInFlight: Promise<void> | null = null;
  const importSource = config.import.source
    ? parseSourceSetting(config.import.source, config.import.defaultScheme)
    : null;
  const syncFromSource = () => {
    if (!importSource?.ok || syncInFlight || !lead.isLeader()) return;
    const source = importSource.source;
    syncInFlight = app.importing
      .run(source, { dryRun: false, sync: true, actor: { actor: 'system', logonType: 'system' } })
      .then((outcome) => {
        if (!outcome.ok) logger.warn('import sync failed', { reason: outcome.message });
        else
          logger.info('import sync done', {
            users: { created: outcome.report.users.created, updated: outcome.report.users.updated },
            skipped: outcome.report.users.skipped,
          });
      })
      .catch((error: unknown) => logger.warn('import sync failed', { error }))
      .finally(() => {
        syncInFlight = null;
      });
  };
  if (importSource && !importSource.ok)
    logger.warn('import.source is not usable', { reason: importSource.message });
  const syncTimer = importSource?.ok
    ? setInterval(syncFromSource, config.import.intervalMinutes * 60_000)
    : null;
  syncTimer?.unref();
  syncFromSource();
  // An instance that takes the lead later (the holder stopped or died) starts what the holder ran.
  let stopping = false;
  lead.onChange((leader) => {
    if (stopping) return;
    logger.info(
      leader ? 'this instance runs the periodic jobs' : 'this instance no longer runs the periodic jobs',
    );
    if (!leader) {
      void app.notifier.stop();
      return;
    }
    app.notifier.start();
    if (config.score.dailySnapshot) takeDailySnapshot();
    syncFromSource();
  });
  // The lead is often taken while the listeners start, before the listener above exists: the jobs
  // above ran for it already, and the operator still reads which instance runs them.
  if (lead.isLeader()) logger.info('this instance runs the periodic jobs');
  // With several workers, the supervisor says "mailwarden started" once every worker is.
  logger.info(app.worker ? 'worker started' : 'mailwarden started', {
    ...(app.worker ? { worker: app.worker.slot, workers: app.worker.count } : {}),
    smtp: gateway?.addresses() ?? [],
    http: http?.port() ?? null,
    policy: policy?.port() ?? null,
    milter: milter?.port() ?? null,
    database: app.store.location,
    delivery: app.delivery.describe(),
  });
  return {
    smtpPorts: () => gateway?.addresses() ?? [],
    httpPort: () => http?.port() ?? null,
    policyPort: () => policy?.port() ?? null,
    milterPort: () => milter?.port() ?? null,
    async reloadTls(files) {
      const running = gateway;
      if (!running) return { status: 'no-tls-listener' };
      let outcome: TlsReloadOutcome;
      try {
        const material = await loadTlsMaterial({
          certFile: files.certFile,
          keyFile: files.keyFile,
          dataDir: config.data.dir,
          hostname: config.smtp.hostname,
        });
        const check = checkTlsMaterial(material);
        if (check.ok) {
          running.replaceTls(material);
          const { ok: _ok, ...details } = check;
          outcome = { status: 'replaced', source: material.source, ...details };
        } else outcome = { status: 'kept', problem: `${material.source}: ${check.problem}` };
      } catch (error) {
        const failure = error as NodeJS.ErrnoException;
        outcome = { status: 'kept', problem: failure.message ?? String(error) };
      }
      if (outcome.status === 'replaced') {
        const { status: _status, ...details } = outcome;
        logger.info('tls certificate reloaded', details);
      } else if (outcome.status === 'kept')
        logger.error('tls certificate not reloaded: keeping the one in use', { problem: outcome.problem });
      return outcome;
    },
    async stop() {
      stopping = true;
      clearInterval(pruneTimer);
      clearInterval(windowTimer);
      clearTimeout(firstRetention);
      clearInterval(retentionTimer);
      clearTimeout(signInPruneStart);
      clearInterval(signInPruneTimer);
      if (snapshotTimer) clearInterval(snapshotTimer);
      if (anchorTimer) clearInterval(anchorTimer);
      if (syncTimer) clearInterval(syncTimer);
      await Promise.all([
        gateway?.stop(),
        http?.stop(),
        policy?.stop(),
        milter?.stop(),
        app.notifier.stop(),
        snapshotInFlight,
        anchorInFlight,
        syncInFlight,
      ]);
      // Every session drained: no note is open unless a Send record could not be written.
      journal?.shut();
    },
  };
}

/**
 * Before listening: warn about data files other local accounts can read (Mailwarden creates them
 * 0700/0600, but an older version, a restore or an admin's cp may have left them open), and remove
 * the partial files a crash left in spool/tmp/ (they never became messages). Once per start of
 * `serve`: by the single process, or by the first worker before the others start.
 */
export async function prepareDataDir({ config, logger }: Pick<App, 'config' | 'logger'>): Promise<void> {
  for (const loose of await findLoosePermissions(config.data.dir))
    logger.warn('data file readable by other local accounts', {
      ...loose,
      fix: `chmod ${loose.wanted.slice(1)} ${loose.path}`,
    });
  const removed = await removePartialSpoolFiles(path.join(config.data.dir, 'spool'));
  if (removed > 0) logger.info('removed partial spool files left by an earlier crash', { removed });
}

/**
 * The pre-relay journal of this process (outbound/send-journal.ts), opened empty once what an ended
 * process left in it became Send records with outcome unknown. A worker recovers its own file (a
 * replacement resumes the one it replaces); the first worker of a start, or the single process, also
 * the files of worker numbers that no longer run (a host that ran more workers before). A line that
 * cannot be read is logged and skipped; a database error stops the start with the notes kept.
 */
async function startSendJournal(app: App): Promise<SendJournal> {
  const { config, logger } = app;
  const slot = app.worker?.slot ?? 1;
  const count = app.worker?.count ?? 1;
  const own = journalFileOf(config.data.dir, slot);
  const ownerless =
    !app.worker || app.worker.first
      ? listJournalFiles(config.data.dir).filter((file) => {
          const worker = Number(/worker-(\d+)\.jsonl$/.exec(file)?.[1]);
          return worker > count;
        })
      : [];
  const journalLog = logger.child({ role: 'send-journal' });
  const { recovered, problems } = await app.outbound.recoverSendJournals([own, ...ownerless], journalLog);
  for (const problem of problems)
    journalLog.error('send journal line skipped: it cannot be read', {
      file: problem.file,
      line: problem.line,
      problem: problem.problem,
    });
  if (recovered > 0)
    journalLog.warn('messages handed to delivery by an ended process recorded with outcome unknown', {
      recovered,
    });
  for (const file of ownerless) await rm(file, { force: true });
  return openSendJournal(config.data.dir, slot);
}
