import { Hono } from 'hono';
import type { UnrecordedSends } from '../../outbound/index.js';
import type { ApiEnv } from '../api-env.js';

/** What /metrics shows of the Dovecot event ingest (mailstack's DovecotEventIngest has it). */
export interface DovecotEventCounts {
  counters(): Readonly<{
    accepted: number;
    ignored: number;
    malformed: number;
    unauthorized: number;
    failed: number;
    backlog: number;
  }>;
}

/** GET /metrics in the Prometheus text format (0.0.4), without authentication, like /healthz. */
export function metricsRoutes(
  ingest: DovecotEventCounts,
  unrecordedSends: Pick<UnrecordedSends, 'count'>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get('/metrics', (c) => {
    const counters = ingest.counters();
    const lines = [
      '# HELP mailwarden_dovecot_events_total Dovecot events received on /dovecot/events, by outcome (failed: refused with 503, not spooled).',
      '# TYPE mailwarden_dovecot_events_total counter',
      `mailwarden_dovecot_events_total{outcome="accepted"} ${counters.accepted}`,
      `mailwarden_dovecot_events_total{outcome="ignored"} ${counters.ignored}`,
      `mailwarden_dovecot_events_total{outcome="malformed"} ${counters.malformed}`,
      `mailwarden_dovecot_events_total{outcome="failed"} ${counters.failed}`,
      '# HELP mailwarden_dovecot_events_backlog Events accepted (spooled) and not yet in the audit log.',
      '# TYPE mailwarden_dovecot_events_backlog gauge',
      `mailwarden_dovecot_events_backlog ${counters.backlog}`,
      '# HELP mailwarden_dovecot_event_requests_unauthorized_total Requests refused for a wrong or missing secret.',
      '# TYPE mailwarden_dovecot_event_requests_unauthorized_total counter',
      `mailwarden_dovecot_event_requests_unauthorized_total ${counters.unauthorized}`,
      '# HELP mailwarden_send_records_unwritten_total Messages delivered whose Send audit record could not be written (this process, since start).',
      '# TYPE mailwarden_send_records_unwritten_total counter',
      `mailwarden_send_records_unwritten_total ${unrecordedSends.count()}`,
      '',
    ];
    c.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return c.body(lines.join('\n'));
  });
  return routes;
}
