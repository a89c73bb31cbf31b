import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSiblings, MetricsSource } from './recorders.js';

/**
 * A worker's /metrics when `serve` runs several worker processes: this worker's registry merged with
 * every sibling's (their getMetricsAsJSON(), gathered through the supervisor), by prom-client's
 * AggregatorRegistry.aggregate: counters and histograms sum, each gauge by its `aggregator` (the
 * ingest lag 'max', the event backlog 'sum'; prom-client's process series by its own choice, e.g.
 * process_start_time_seconds omitted). So a scrape shows the whole service whichever worker answered.
 *
 * The database gauges (`readings`) are the cluster's, the same rows whoever reads them: only this
 * worker, the one answering, reads them, once per scrape; a sibling gives its `registry` alone.
 *
 * A sibling that did not answer in time is left out of that scrape (worker-pool.ts); with none
 * answering, the page is this worker's own, exactly as a single process serves it.
 */
export function siblingsSource(
  own: { registry: Registry; readings: Registry },
  siblings: MetricsSiblings,
): MetricsSource {
  const { registry, readings } = own;
  // The readings first: mailwarden_scrape_errors_total (in registry) then counts their failures.
  const ownJson = async () => [
    ...(await readings.getMetricsAsJSON()),
    ...(await registry.getMetricsAsJSON()),
  ];
  return {
    contentType: registry.contentType,
    async text() {
      // The siblings first: with none answering, the page is this process's text, read once.
      const others = await siblings.collect();
      const answered = others.filter((metrics): metrics is Awaited<ReturnType<typeof ownJson>> =>
        Array.isArray(metrics),
      );
      if (answered.length === 0) return (await readings.metrics()) + (await registry.metrics());
      return AggregatorRegistry.aggregate([await ownJson(), ...answered]).metrics();
    },
  };
}
