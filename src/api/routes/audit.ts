import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { AuditLog, AuditSearchFilter } from '../../audit/index.js';
import { errorResponse } from '../../http-status/index.js';
import type { ApiEnv } from '../api-env.js';
import {
  auditExportQuery,
  auditFilterQuery,
  auditPruneBody,
  auditSearchQuery,
  mailboxAuditBody,
} from '../request-schemas.js';
import { jsonBody, queryParams } from '../validate.js';

type FilterQuery = {
  operation?: string[];
  since?: number;
  until?: number;
  mailbox?: string;
  actor?: string;
  result?: 'success' | 'failure';
  clientIp?: string;
  folder?: string;
};

function toFilter({ operation, since, until, ...rest }: FilterQuery): AuditSearchFilter {
  return { ...rest, operations: operation, sinceMs: since, untilMs: until };
}

/**
 * /api/v1/audit: search (newest first), counts per operation, streaming export, chain verification,
 * retention, and per-mailbox audit settings.
 */
export function auditRoutes(
  audit: Pick<
    AuditLog,
    | 'search'
    | 'countByOperation'
    | 'exportText'
    | 'verify'
    | 'prune'
    | 'getMailboxAudit'
    | 'setMailboxAudit'
    | 'listMailboxAuditOff'
    | 'mailboxAuditCoverage'
  >,
  /** The org setting audit.retentionDays, read when a prune names no period. */
  retentionDays: () => Promise<number>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', queryParams(auditSearchQuery), async (c) => {
    const { cursor, limit, ...filter } = c.req.valid('query');
    return c.json(await audit.search({ ...toFilter(filter), beforeId: cursor, limit }));
  });

  routes.get('/counts', queryParams(auditFilterQuery), async (c) =>
    c.json({ counts: await audit.countByOperation(toFilter(c.req.valid('query'))) }),
  );

  // Streamed page by page: constant memory however many records match.
  routes.get('/export', queryParams(auditExportQuery), (c) => {
    const { format = 'jsonl', ...filter } = c.req.valid('query');
    c.header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    c.header(
      'Content-Disposition',
      `attachment; filename="mailwarden-audit.${format === 'csv' ? 'csv' : 'jsonl'}"`,
    );
    return stream(c, async (out) => {
      for await (const chunk of audit.exportText(toFilter(filter), format)) await out.write(chunk);
    });
  });

  // A broken chain is a finding, not a failed request: 200 with ok:false and where it broke.
  routes.get('/verify', async (c) => c.json(await audit.verify()));

  routes.post('/prune', jsonBody(auditPruneBody), async (c) => {
    const days = c.req.valid('json').retentionDays ?? (await retentionDays());
    return c.json(await audit.prune({ retentionDays: days, actor: c.var.actor }));
  });

  routes.get('/mailboxes', async (c) => {
    const [coverage, auditingOff] = await Promise.all([
      audit.mailboxAuditCoverage(),
      audit.listMailboxAuditOff(),
    ]);
    return c.json({ coverage, auditingOff });
  });

  routes.get('/mailboxes/:mailbox', async (c) =>
    c.json({ setting: await audit.getMailboxAudit(c.req.param('mailbox')) }),
  );

  routes.put('/mailboxes/:mailbox', jsonBody(mailboxAuditBody), async (c) => {
    const outcome = await audit.setMailboxAudit(
      c.req.param('mailbox'),
      c.req.valid('json').enabled,
      c.var.actor,
    );
    if (!outcome.ok) return errorResponse(c, 'user-not-found', outcome.message);
    return c.json({ setting: outcome.setting, changed: outcome.changed });
  });

  return routes;
}
