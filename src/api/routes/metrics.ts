import { Hono } from 'hono';
import type { MetricsSource } from '../../metrics/index.js';
import type { ApiEnv } from '../api-env.js';

/**
 * GET /metrics in the Prometheus text format (0.0.4), without authentication, like /healthz. The
 * source is this process's registry, or with `serve`'s workers every worker's merged (metrics/aggregated-source.ts).
 * A database reading that fails is left out inside the source, so the page itself does not fail.
 */
export function metricsRoutes(source: MetricsSource): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get('/metrics', async (c) => {
    const text = await source.text();
    c.header('Content-Type', source.contentType);
    return c.body(text);
  });
  return routes;
}
