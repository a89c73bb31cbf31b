/**
 * The narrow interfaces a module records through. A module takes the one it needs as a dependency
 * (gateway: SmtpRecorder, the policy listener: PolicyRecorder, …) and never sees prom-client: the
 * names, labels and buckets of the series are this module's business alone (metrics.ts).
 */

/** How a message the gateway or the milter judged ended. */
export type MessageOutcome =
  /** Handed to the upstream relay, which accepted it. */
  | 'relayed'
  /** Written to the local spool (no relay configured). */
  | 'spooled'
  /** Quarantined as spam: the client got 250, an admin releases or deletes it. */
  | 'held'
  /** Refused as spam (554 5.7.1). */
  | 'rejected'
  /** The relay refused or was unreachable (4xx/5xx to the client). */
  | 'failed'
  /** The milter let it through: Postfix queues it. */
  | 'passed';

export interface SmtpRecorder {
  /** A client connected to a submission listener (starttls or implicit-tls). */
  smtpSession(listener: string): void;
  /** Any reply the gateway sent, by its three-digit code (greeting, 250s, refusals, 421s). */
  smtpReply(code: number): void;
  message(outcome: MessageOutcome): void;
}

export interface SignInRecorder {
  /** result: 'success' or the refusal code (identity's SignInRefusalCode). */
  signIn(protocol: string, result: string): void;
}

export interface AlertRecorder {
  /** Every raise, a grouped repeat included (alerts/ groups them into one row). */
  alertRaised(type: string, severity: string): void;
}

export interface PolicyRecorder {
  /** One Postfix policy answer (postfix-actions.ts name) and how long it took to decide. */
  policyDecision(decision: string, seconds: number): void;
}

export interface MilterRecorder {
  milterDecision(decision: string): void;
}

/** A record the audit log committed (audit's RecordedOperation). */
export interface RecordedAuditOperation {
  operation: string;
  details?: Readonly<Record<string, unknown>> | null;
}

export interface AuditRecorder {
  /** Committed records: counted by operation; lockouts, restrictions and releases have their own series. */
  auditRecorded(records: readonly RecordedAuditOperation[]): void;
}

export interface MetricsRecorder
  extends SmtpRecorder,
    SignInRecorder,
    AlertRecorder,
    PolicyRecorder,
    MilterRecorder,
    AuditRecorder {}

/** What /metrics serves: one registry's text, or later a cluster's aggregate (see index.ts). */
/**
 * The other worker processes of `serve`, for /metrics (worker-pool.ts's supervisor line; metrics/
 * only uses it). What travels is prom-client's getMetricsAsJSON(), opaque to the line.
 */
export interface MetricsSiblings {
  /** Every sibling's metrics that answered in time (none on a lost supervisor). */
  collect(): Promise<unknown[]>;
  /** What this process gives a sibling that collects. Called once, by createMetrics. */
  provide(provider: () => Promise<unknown>): void;
}

export interface MetricsSource {
  contentType: string;
  text(): Promise<string>;
}

/** Counters kept by a module in memory and read at scrape time (they predate this module). */
export interface PulledCounters {
  /** mailstack's Dovecot event ingest. */
  dovecotEvents?: () => Readonly<{
    accepted: number;
    ignored: number;
    malformed: number;
    unauthorized: number;
    failed: number;
    backlog: number;
    /** Seconds the oldest event accepted and not yet in the audit log has waited; 0 when none. */
    lagSeconds: number;
  }>;
  /** outbound's delivered messages whose Send record could not be written. */
  unrecordedSends?: () => number;
  /** mailstack's Rspamd client, when spam.rspamdUrl is set. */
  rspamd?: () => Readonly<{ checked: number; timeout: number; unreachable: number; badResponse: number }>;
}

/**
 * Gauges read from the database at scrape time: cheap counting queries. One that fails or takes
 * longer than the reading timeout is left out of that scrape (its series absent) and counted in
 * mailwarden_scrape_errors_total{reading}; the rest of the page is served.
 */
export interface DatabaseReadings {
  /** Alert notifications (email, webhook) not delivered yet, by channel. */
  notificationBacklog?: () => Promise<Record<string, number>>;
  /** Accounts restricted from sending now. */
  restrictedSenders?: () => Promise<number>;
  /** Alerts not acknowledged or resolved, by severity. */
  openAlerts?: () => Promise<Record<string, number>>;
}
