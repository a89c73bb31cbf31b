import { Hono } from 'hono';
import { errorResponse } from '../../http-status/index.js';
import type { Importing, ImportSource } from '../../importing/index.js';
import type { ApiEnv } from '../api-env.js';
import { importBody } from '../request-schemas.js';
import { jsonBody } from '../validate.js';

/**
 * /api/v1/import: the sources of `mailwarden import`, except files on the server's disk (the body
 * carries a passwd-file's or a CSV's text). Admin tokens only, as every write (authenticate.ts).
 */
export function importRoutes(importing: Pick<Importing, 'run'>): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();
  routes.post('/', jsonBody(importBody), async (c) => {
    const body = c.req.valid('json');
    const source: ImportSource =
      body.source === 'sql'
        ? { kind: 'sql', url: body.url, preset: body.preset, defaultScheme: body.defaultScheme }
        : { kind: body.source, text: body.text, defaultScheme: body.defaultScheme };
    const outcome = await importing.run(source, {
      dryRun: body.dryRun === true,
      sync: body.sync === true,
      actor: c.var.actor,
    });
    if (!outcome.ok) return errorResponse(c, outcome.code, outcome.message);
    return c.json({ report: outcome.report });
  });
  return routes;
}
