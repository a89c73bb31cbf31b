import { Hono } from 'hono';
import type { ApiDeps } from './api-deps.js';
import { API_DOCS_CONTENT_SECURITY_POLICY, renderApiDocsPage } from './api-docs-page.js';
import type { ApiEnv } from './api-env.js';
import { authenticate } from './authenticate.js';
import { createOpenApiDocument } from './openapi.js';
import { alertRoutes } from './routes/alerts.js';
import { auditRoutes } from './routes/audit.js';
import { domainRoutes } from './routes/domains.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { importRoutes } from './routes/import.js';
import { metricsRoutes } from './routes/metrics.js';
import { mfaUserRoutes } from './routes/mfa.js';
import { orgRoutes } from './routes/org.js';
import { policyRoutes } from './routes/policies.js';
import { quarantineRoutes } from './routes/quarantine.js';
import { respondRoutes } from './routes/respond.js';
import { restrictedRoutes } from './routes/restricted.js';
import { scoreRoutes } from './routes/score.js';
import { signInRoutes, signInUserRoutes } from './routes/signins.js';
import { userRoutes } from './routes/users.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface ApiRoutesOptions {
  /** How long /healthz waits for each of its checks. */
  healthTimeoutMs: number;
}

/**
 * The API's part of the HTTP surface: /healthz and /metrics (no token), the OpenAPI document and its
 * page (public), and everything under /api/v1 (bearer tokens).
 */
export function apiRoutes(deps: ApiDeps, options: ApiRoutesOptions): Hono<ApiEnv> {
  // Built once at start-up, so that a schema the generator cannot describe fails here, not per request.
  const openApi = createOpenApiDocument();
  const http = new Hono<ApiEnv>();
  http.route('/', healthRoutes(deps, options.healthTimeoutMs));
  http.route('/', metricsRoutes(deps.metrics));
  // The servers entry names the origin the client reached: the configured public URL, else this listener.
  const documentFor = (host: string | undefined) => ({
    ...openApi,
    servers: [{ url: deps.publicUrl ?? `http://${host ?? 'localhost'}` }],
  });
  // Public, and registered before the /api/v1 router so that its authentication never runs for it.
  http.get('/api/v1/openapi.json', (c) => c.json(documentFor(c.req.header('host'))));
  // The same document as a page for people, rendered here so that it needs no CDN and no script.
  http.get('/api/docs', (c) =>
    c.html(renderApiDocsPage(documentFor(c.req.header('host'))), 200, {
      'Content-Security-Policy': API_DOCS_CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
    }),
  );
  http.route('/api/v1', versionOneRoutes(deps));
  return http;
}

/** Every route under /api/v1 is authenticated; `authenticate` also decides who may write. */
function versionOneRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.use(authenticate(deps.directory, deps.identity));
  api.use(async (c, next) => {
    await next();
    // Answers carry personal data and audit records: no shared or browser cache keeps them.
    c.header('Cache-Control', 'no-store');
  });
  api.route('/domains', domainRoutes(deps.directory));
  api.route('/import', importRoutes(deps.importing));
  api.route('/users', userRoutes(deps.directory, deps.outbound));
  api.route('/groups', groupRoutes(deps.directory));
  api.route('/policies', policyRoutes(deps.outbound));
  api.route('/restricted', restrictedRoutes(deps.outbound));
  api.route('/quarantine', quarantineRoutes(deps.outbound.quarantine, deps.delivery));
  api.route('/alerts', alertRoutes(deps.alerts));
  api.route('/webhooks', webhookRoutes(deps.notifier));
  api.route(
    '/audit',
    auditRoutes(deps.audit, () => deps.settings.get('audit.retentionDays')),
  );
  api.route('/org', orgRoutes(deps.settings));
  api.route('/score', scoreRoutes(deps.score));
  api.route('/users', signInUserRoutes(deps.identity));
  api.route('/signins', signInRoutes(deps.identity));
  api.route('/users', mfaUserRoutes(deps.identity));
  api.route('/users', respondRoutes(deps.respond));
  return api;
}
