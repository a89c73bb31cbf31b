/**
 * Metrics: the one module that knows prom-client. createMetrics() owns one Registry per App and
 * returns the recorders other modules take as narrow dependencies, and the source /metrics serves.
 *
 * Several processes (node:cluster): each worker keeps its own createMetrics() and registers its
 * registry with prom-client's AggregatorRegistry (`AggregatorRegistry.setRegistries([metrics.registry])`
 * in the worker); whatever serves /metrics then takes a source over the aggregate instead of
 * `metrics.source`: `aggregatedSource(new AggregatorRegistry())`. Counters sum; the database gauges
 * say aggregator 'first' (every instance reads the same rows).
 */
export { aggregatedSource } from './aggregated-source.js';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.js';
export type {
  AlertRecorder,
  AuditRecorder,
  DatabaseReadings,
  MessageOutcome,
  MetricsRecorder,
  MetricsSource,
  MilterRecorder,
  PolicyRecorder,
  PulledCounters,
  RecordedAuditOperation,
  SignInRecorder,
  SmtpRecorder,
} from './recorders.js';
