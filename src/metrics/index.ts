/**
 * Metrics: the one module that knows prom-client. createMetrics() owns one Registry per App and
 * returns the recorders other modules take as narrow dependencies, and the source /metrics serves.
 *
 * Several worker processes (`serve` with MAILWARDEN_WORKERS): each keeps its own createMetrics(),
 * given the line to its siblings (`siblings`); its `source` then serves the aggregate of every
 * worker's registry (aggregated-source.ts). Counters and histograms sum, the ingest lag 'max'; the
 * database gauges (every worker would read the same rows) are read by the answering worker alone.
 */
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.js';
export type {
  AlertRecorder,
  AuditRecorder,
  DatabaseReadings,
  MessageOutcome,
  MetricsRecorder,
  MetricsSiblings,
  MetricsSource,
  MilterRecorder,
  PolicyRecorder,
  PulledCounters,
  RecordedAuditOperation,
  SignInRecorder,
  SmtpRecorder,
} from './recorders.js';
