import { Hono } from 'hono';
import type { Delivery } from '../../delivery/index.js';
import type { Logger } from '../../runtime/logger.js';
import type { Store } from '../../store/index.js';
import type { ApiEnv } from '../api-env.js';

export interface HealthCheck {
  ok: boolean;
  message?: string;
}

export interface Health {
  status: 'ok' | 'degraded' | 'down';
  database: HealthCheck;
  delivery: HealthCheck & { target: string };
  /** Which worker process answered, when `serve` runs several (MAILWARDEN_WORKERS). */
  worker?: number;
}

/**
 * GET /healthz, without authentication, for load balancers and monitors. Without the database
 * nothing works (503, "down"); without the relay the API still works but accepted mail cannot
 * leave (200, "degraded"). Each check is bounded so the endpoint answers even when a peer hangs.
 */
export function healthRoutes(
  app: {
    store: Pick<Store, 'ping'>;
    delivery: Pick<Delivery, 'check' | 'describe'>;
    logger: Logger;
    worker?: number | null;
  },
  timeoutMs: number,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.get('/healthz', async (c) => {
    const [database, delivery] = await Promise.all([
      withTimeout(timeoutMs, async () => {
        await app.store.ping();
        return { ok: true };
      }),
      withTimeout(timeoutMs, () => app.delivery.check()),
    ]);
    if (!database.ok) {
      // The driver's message can name hosts and users; it goes to the log, not to an unauthenticated caller.
      app.logger.warn('health check: database unavailable', {
        requestId: c.var.requestId,
        error: database.message,
      });
    }
    const health: Health = {
      status: !database.ok ? 'down' : !delivery.ok ? 'degraded' : 'ok',
      database: database.ok
        ? { ok: true }
        : { ok: false, message: 'the database is unavailable (see the server log)' },
      delivery: { ...delivery, target: app.delivery.describe() },
      ...(app.worker ? { worker: app.worker } : {}),
    };
    return c.json(health, database.ok ? 200 : 503);
  });
  return routes;
}

async function withTimeout(timeoutMs: number, check: () => Promise<HealthCheck>): Promise<HealthCheck> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheck>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, message: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      check().catch((error: Error) => ({ ok: false, message: error.message })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
