import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSiblings, MetricsSource } from './recorders.js';

/**
 * A worker's /metrics when `serve` runs several worker processes: this worker's registry merged with
 * every sibling's (their getMetricsAsJSON(), gathered through the supervisor), by prom-client's
 * AggregatorRegistry.aggregate: counters and histograms sum, each gauge by its `aggregator` (the
 * database readings 'first', the ingest lag 'max'; prom-client's process series by its own choice, e.g.
 * process_start_time_seconds omitted). So a scrape shows the whole service whichever worker answered.
 *
 * A sibling that did not answer in time is left out of that scrape (worker-pool.ts); with none
 * answering, the page is this worker's own, exactly as a single process serves it.
 */
export function siblingsSource(registry: Registry, siblings: MetricsSiblings): MetricsSource {
  return {
    contentType: registry.contentType,
    async text() {
      const [own, others] = await Promise.all([registry.getMetricsAsJSON(), siblings.collect()]);
      const answered = others.filter((metrics): metrics is typeof own => Array.isArray(metrics));
      if (answered.length === 0) return registry.metrics();
      return AggregatorRegistry.aggregate([own, ...answered]).metrics();
    },
  };
}
