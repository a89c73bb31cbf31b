import { Hono } from 'hono';
import type { Directory } from '../../directory/index.js';
import { failureResponse } from '../../http-status/index.js';
import type { ApiEnv } from '../api-env.js';
import { domainRemovalQuery, newDomainBody } from '../request-schemas.js';
import { jsonBody, queryParams } from '../validate.js';

/** /api/v1/domains: the domains the organization owns. Authentication is the API router's. */
export function domainRoutes(
  directory: Pick<Directory, 'listDomains' | 'addDomain' | 'removeDomain'>,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  routes.get('/', async (c) => c.json({ domains: await directory.listDomains() }));

  routes.post('/', jsonBody(newDomainBody), async (c) => {
    const outcome = await directory.addDomain(c.req.valid('json').name, c.var.actor);
    return outcome.ok ? c.json({ domain: outcome.domain }, 201) : failureResponse(c, outcome);
  });

  routes.delete('/:name', queryParams(domainRemovalQuery), async (c) => {
    const withUsers = c.req.valid('query').withUsers === 'true';
    const outcome = await directory.removeDomain(c.req.param('name'), { withUsers }, c.var.actor);
    return outcome.ok ? c.json({ domain: outcome.domain }) : failureResponse(c, outcome);
  });

  return routes;
}
