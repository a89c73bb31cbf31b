import { Hono } from 'hono';
import type { AuditLog } from '../../audit/index.js';
import type { ApiEnv } from '../api-env.js';
import { auditSearchQuery } from '../request-schemas.js';
import { queryParams } from '../validate.js';

/** /api/v1/audit: search the audit log (newest first) and verify its hash chain. */
export function auditRoutes(audit: AuditLog): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', queryParams(auditSearchQuery), async (c) => {
    const { operation, since, until, cursor, ...filter } = c.req.valid('query');
    return c.json(
      await audit.search({
        ...filter,
        operations: operation,
        sinceMs: since,
        untilMs: until,
        beforeId: cursor,
      }),
    );
  });

  // A broken chain is a finding, not a failed request: 200 with ok:false and where it broke.
  routes.get('/verify', async (c) => c.json(await audit.verify()));

  return routes;
}
