import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { siblingsSource } from './aggregated-source.js';
import type {
  DatabaseReadings,
  MessageOutcome,
  MetricsRecorder,
  MetricsSiblings,
  MetricsSource,
  PulledCounters,
  RecordedAuditOperation,
} from './recorders.js';

export interface MetricsOptions {
  /**
   * prom-client's process and Node.js series under their standard names (process_*, nodejs_*).
   * Off in tests that build many apps in one process: each set watches GC and the event loop.
   */
  processMetrics?: boolean;
  /** A database reading that takes longer is left out of the scrape (default 2 s). */
  readingTimeoutMs?: number;
  /**
   * The other worker processes of `serve`: /metrics then serves every worker's series merged
   * (aggregated-source.ts). Absent: this process's registry alone.
   */
  siblings?: MetricsSiblings;
}

export interface Metrics extends MetricsRecorder {
  /** What /metrics serves: this process's registry, or with siblings every worker's merged. */
  readonly source: MetricsSource;
  /** This process's registry alone (what a sibling's collect is given). */
  readonly registry: Registry;
  /** Counters other modules keep in memory, read at scrape time. Call once, from the composition. */
  pull(counters: PulledCounters): void;
  /** Gauges read from the database at scrape time. Call once, from the composition. */
  read(readings: DatabaseReadings): void;
}

/** Policy answers take milliseconds (one indexed read, one write at END-OF-MESSAGE). */
const POLICY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const DEFAULT_READING_TIMEOUT_MS = 2000;

/**
 * One prom-client Registry per App, named by the Prometheus conventions (mailwarden_ prefix, _total
 * counters, base units, labels from closed sets only: never an address or an IP).
 *
 * Series counted by events are this process's since it started. Gauges read from the database are
 * the cluster's (every instance reports the same value): they are kept in a registry of their own,
 * read by the worker that answers a scrape and never by a sibling's collect (aggregated-source.ts);
 * their aggregator 'first' only says so. The counters sum; each gauge states its aggregator.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  // The database gauges live in a registry of their own: the worker that answers a scrape reads them
  // and a sibling's collect does not, so one scrape runs each query once whatever the worker count.
  const readings = new Registry();
  const readingTimeoutMs = options.readingTimeoutMs ?? DEFAULT_READING_TIMEOUT_MS;
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  options.siblings?.provide(() => registry.getMetricsAsJSON());

  const smtpSessions = new Counter({
    name: 'mailwarden_smtp_sessions_total',
    help: 'SMTP connections to the submission listeners, by listener (starttls, implicit-tls).',
    labelNames: ['listener'],
    registers,
  });
  const smtpReplies = new Counter({
    name: 'mailwarden_smtp_replies_total',
    help: 'Replies sent by the SMTP submission gateway, by reply code (greetings, 250s and refusals alike).',
    labelNames: ['code'],
    registers,
  });
  const messages = new Counter({
    name: 'mailwarden_messages_total',
    help: 'Submitted messages judged by the gateway or the milter, by outcome (relayed, spooled, held, rejected, failed, passed).',
    labelNames: ['outcome'],
    registers,
  });
  const signIns = new Counter({
    name: 'mailwarden_sign_ins_total',
    help: 'Sign-in decisions, by protocol (smtp, imap, pop3, web, …) and result (success or the refusal code).',
    labelNames: ['protocol', 'result'],
    registers,
  });
  const lockouts = new Counter({
    name: 'mailwarden_lockouts_total',
    help: 'Smart lockouts: a source network locked out of an account after repeated failed sign-ins (LockOut records).',
    registers,
  });
  const restrictions = new Counter({
    name: 'mailwarden_sender_restrictions_total',
    help: 'Accounts restricted from sending, by reason (RestrictSender records).',
    labelNames: ['reason'],
    registers,
  });
  const releases = new Counter({
    name: 'mailwarden_sender_releases_total',
    help: 'Restricted accounts released by an administrator (ReleaseSender records).',
    registers,
  });
  const alerts = new Counter({
    name: 'mailwarden_alerts_raised_total',
    help: 'Alerts raised, by type and severity; a repeat grouped into an open alert counts too.',
    labelNames: ['type', 'severity'],
    registers,
  });
  const policyDecisions = new Counter({
    name: 'mailwarden_policy_decisions_total',
    help: 'Answers of the Postfix policy service, by decision (allowed, a refusal, undecided-defer, …).',
    labelNames: ['decision'],
    registers,
  });
  const policyDuration = new Histogram({
    name: 'mailwarden_policy_decision_duration_seconds',
    help: 'How long the Postfix policy service took to decide one request.',
    buckets: POLICY_BUCKETS,
    registers,
  });
  const milterDecisions = new Counter({
    name: 'mailwarden_milter_decisions_total',
    help: 'End-of-message answers of the milter, by decision (accept, discard for a held message, reject, tempfail).',
    labelNames: ['decision'],
    registers,
  });
  const auditRecords = new Counter({
    name: 'mailwarden_audit_records_total',
    help: 'Audit records committed by this process, by operation (the ingest rate; Dovecot events included).',
    labelNames: ['operation'],
    registers,
  });
  const recorder: MetricsRecorder = {
    smtpSession: (listener) => smtpSessions.inc({ listener }),
    smtpReply: (code) => smtpReplies.inc({ code: String(code) }),
    message: (outcome: MessageOutcome) => messages.inc({ outcome }),
    signIn: (protocol, result) => signIns.inc({ protocol, result }),
    alertRaised: (type, severity) => alerts.inc({ type, severity }),
    policyDecision(decision, seconds) {
      policyDecisions.inc({ decision });
      policyDuration.observe(seconds);
    },
    milterDecision: (decision) => milterDecisions.inc({ decision }),
    auditRecorded(records: readonly RecordedAuditOperation[]) {
      for (const record of records) {
        auditRecords.inc({ operation: record.operation });
        if (record.operation === 'LockOut') lockouts.inc();
        else if (record.operation === 'RestrictSender') {
          const reason = record.details?.['reason'];
          restrictions.inc({ reason: typeof reason === 'string' ? reason : 'unknown' });
        } else if (record.operation === 'ReleaseSender') releases.inc();
      }
    },
  };

  /** Failed readings, by name, since start: counted into mailwarden_scrape_errors_total. */
  const failedReadings = new Map<string, number>();
  /** Readings of the scrape under way: the errors counter waits for them (see read()). */
  const readingsInFlight = new Set<Promise<unknown>>();
  /** Reads `reading` for one scrape; a failure or a timeout leaves the gauge empty and is counted. */
  const withinScrape = <T>(name: string, reading: () => Promise<T>): Promise<T | null> => {
    const read = readOnce(name, reading);
    readingsInFlight.add(read);
    return read.finally(() => readingsInFlight.delete(read));
  };
  const readOnce = async <T>(name: string, reading: () => Promise<T>): Promise<T | null> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        reading(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), readingTimeoutMs);
        }),
      ]);
    } catch {
      failedReadings.set(name, (failedReadings.get(name) ?? 0) + 1);
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    ...recorder,
    registry,
    source: options.siblings
      ? siblingsSource({ registry, readings }, options.siblings)
      : {
          contentType: registry.contentType,
          // The readings first: mailwarden_scrape_errors_total (in registry) then counts their failures.
          text: async () => (await readings.metrics()) + (await registry.metrics()),
        },
    pull(counters) {
      const { dovecotEvents, unrecordedSends, rspamd } = counters;
      if (dovecotEvents) {
        new Counter({
          name: 'mailwarden_dovecot_events_total',
          help: 'Dovecot events received on /dovecot/events, by outcome (failed: refused with 503, not spooled).',
          labelNames: ['outcome'],
          registers,
          collect() {
            const now = dovecotEvents();
            this.reset();
            for (const outcome of ['accepted', 'ignored', 'malformed', 'failed'] as const)
              this.inc({ outcome }, now[outcome]);
          },
        });
        new Counter({
          name: 'mailwarden_dovecot_event_requests_unauthorized_total',
          help: 'Requests to /dovecot/events refused for a wrong or missing secret.',
          registers,
          collect() {
            this.reset();
            this.inc(dovecotEvents().unauthorized);
          },
        });
        new Gauge({
          name: 'mailwarden_dovecot_events_backlog',
          help: 'Events accepted (spooled) and not yet in the audit log.',
          registers,
          // Each worker has its own spool (app.ts dovecotSpool): the service's backlog is the sum.
          aggregator: 'sum',
          collect() {
            this.set(dovecotEvents().backlog);
          },
        });
        new Gauge({
          name: 'mailwarden_audit_ingest_lag_seconds',
          help: 'How long the oldest Dovecot event accepted and not yet in the audit log has waited (0: none waits).',
          registers,
          aggregator: 'max',
          collect() {
            this.set(dovecotEvents().lagSeconds);
          },
        });
      }
      if (unrecordedSends)
        new Counter({
          name: 'mailwarden_send_records_unwritten_total',
          help: 'Messages delivered whose Send audit record could not be written (this process, since start).',
          registers,
          collect() {
            this.reset();
            this.inc(unrecordedSends());
          },
        });
      if (rspamd)
        new Counter({
          name: 'mailwarden_rspamd_checks_total',
          help: "Messages sent to Rspamd, by outcome (judged; timeout, unreachable, bad-response: judged on Mailwarden's findings alone).",
          labelNames: ['outcome'],
          registers,
          collect() {
            const now = rspamd();
            this.reset();
            this.inc({ outcome: 'judged' }, now.checked);
            this.inc({ outcome: 'timeout' }, now.timeout);
            this.inc({ outcome: 'unreachable' }, now.unreachable);
            this.inc({ outcome: 'bad-response' }, now.badResponse);
          },
        });
    },
    read(databaseReadings) {
      const { notificationBacklog, restrictedSenders, openAlerts } = databaseReadings;
      // Every reading's error series starts at 0, so rate() sees the first failure.
      if (notificationBacklog) failedReadings.set('notification_backlog', 0);
      if (restrictedSenders) failedReadings.set('restricted_senders', 0);
      if (openAlerts) failedReadings.set('alerts_open', 0);
      if (notificationBacklog)
        new Gauge({
          name: 'mailwarden_notification_backlog',
          help: 'Alert notifications (email, webhook) waiting to be delivered, by channel.',
          labelNames: ['channel'],
          registers: [readings],
          aggregator: 'first',
          async collect() {
            const byChannel = await withinScrape('notification_backlog', notificationBacklog);
            this.reset();
            if (byChannel === null) return;
            for (const channel of ['email', 'webhook', ...Object.keys(byChannel)])
              this.set({ channel }, byChannel[channel] ?? 0);
          },
        });
      if (restrictedSenders)
        new Gauge({
          name: 'mailwarden_restricted_senders',
          help: 'Accounts restricted from sending now.',
          registers: [readings],
          aggregator: 'first',
          async collect() {
            const count = await withinScrape('restricted_senders', restrictedSenders);
            if (count === null) leaveAbsent(this);
            else this.set(count);
          },
        });
      if (openAlerts)
        new Gauge({
          name: 'mailwarden_alerts_open',
          help: 'Alerts neither acknowledged nor resolved, by severity.',
          labelNames: ['severity'],
          registers: [readings],
          aggregator: 'first',
          async collect() {
            const bySeverity = await withinScrape('alerts_open', openAlerts);
            this.reset();
            if (bySeverity === null) return;
            for (const severity of ['informational', 'low', 'medium', 'high', ...Object.keys(bySeverity)])
              this.set({ severity }, bySeverity[severity] ?? 0);
          },
        });
      // In this process's registry (summed across workers, so it never goes back when another worker
      // answers): the readings registry is collected first, so this scrape's failures show in it.
      new Counter({
        name: 'mailwarden_scrape_errors_total',
        help: 'Database readings left out of a scrape (failed or too slow); their gauges are absent from that scrape.',
        labelNames: ['reading'],
        registers,
        async collect() {
          await Promise.allSettled([...readingsInFlight]);
          this.reset();
          for (const [reading, count] of failedReadings) this.inc({ reading }, count);
        },
      });
    },
  };
}

/**
 * An unlabelled gauge whose reading failed shows no sample rather than a made-up 0 (prom-client's
 * reset() puts 0 back for a gauge without labels): a dashboard then shows a gap, not "all clear".
 */
function leaveAbsent(gauge: Gauge): void {
  (gauge as unknown as { hashMap: Record<string, unknown> }).hashMap = {};
}
