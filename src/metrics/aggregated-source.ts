import type { AggregatorRegistry, RegistryContentType } from 'prom-client';
import type { MetricsSource } from './recorders.js';

/**
 * A cluster's /metrics: the sum of every worker's registry, asked over node:cluster IPC (only the
 * primary process can ask). Not used by `mailwarden serve` yet: one process serves its own registry.
 */
export function aggregatedSource(aggregator: AggregatorRegistry<RegistryContentType>): MetricsSource {
  return { contentType: aggregator.contentType, text: () => aggregator.clusterMetrics() };
}
