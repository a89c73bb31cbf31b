import path from 'node:path';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { App } from '../app.js';
import { consoleRoutes, notFoundPage } from '../console/index.js';
import { createDovecotEventIngest, dovecotAuthRoutes } from '../mailstack/index.js';
import { API_DOCS_CONTENT_SECURITY_POLICY, renderApiDocsPage } from './api-docs-page.js';
import type { ApiEnv } from './api-env.js';
import { authenticate } from './authenticate.js';
import { errorResponse } from './errors.js';
import { createOpenApiDocument } from './openapi.js';
import { alertRoutes } from './routes/alerts.js';
import { auditRoutes } from './routes/audit.js';
import { domainRoutes } from './routes/domains.js';
import { dovecotEventRoutes } from './routes/dovecot-events.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
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

export interface HttpAppOptions {
  /** Larger request bodies are refused with 413 before any handler reads them. */
  maxBodyBytes?: number;
  /** How long /healthz waits for each of its checks. */
  healthTimeoutMs?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;
const HEALTH_TIMEOUT_MS = 3000;

/** The whole HTTP surface as a Hono app: served by createHttpServer, or called directly in tests. */
export function createHttpApp(app: App, options: HttpAppOptions = {}): Hono<ApiEnv> {
  const logger = app.logger.child({ role: 'http' });
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  // Built once at start-up, so that a schema the generator cannot describe fails here, not per request.
  const openApi = createOpenApiDocument();

  const http = new Hono<ApiEnv>();
  http.use(requestId({ limitLength: 128 }));
  // One line per request, with the id the response carries in X-Request-Id (health probes at debug).
  http.use(async (c, next) => {
    const started = performance.now();
    await next();
    const line = {
      requestId: c.var.requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    };
    if (c.req.path === '/healthz') logger.debug('http request', line);
    else logger.info('http request', line);
  });
  http.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => errorResponse(c, 'payload-too-large', `the request body exceeds ${maxBodyBytes} bytes`),
    }),
  );
  http.route('/', healthRoutes(app, options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS));
  const dovecotEvents = createDovecotEventIngest({
    audit: app.audit,
    clock: app.clock,
    logger: logger.child({ role: 'dovecot-events' }),
    trashFolders: app.config.dovecot.trashFolders,
    spoolDir: path.join(app.config.data.dir, 'dovecot-events'),
    doveadm: app.doveadm,
    onInboxRuleChanged: (change) => app.respond.reviewInboxRuleChange(change),
    isOwnDeactivation: (mailbox, timeMs) => app.respond.isOwnDeactivation(mailbox, timeMs),
  });
  http.route('/', metricsRoutes(dovecotEvents, app.outbound.unrecordedSends));
  // Authenticated by the exporter's shared secret, not by an API token.
  http.route('/', dovecotEventRoutes(dovecotEvents, app.config.dovecot.eventsSecret));
  // The servers entry names the origin the client reached: the configured public URL, else this listener.
  const documentFor = (host: string | undefined) => ({
    ...openApi,
    servers: [{ url: app.config.web.publicUrl ?? `http://${host ?? 'localhost'}` }],
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
  http.route('/api/v1', apiRoutes(app));
  // Dovecot's Lua passdb and auth policy server (shared secret, not API tokens): deploy/dovecot/.
  http.route('/dovecot', dovecotAuthRoutes(app));
  // The self-service area (server-rendered, cookie sessions), outside /api/v1 and its bearer tokens;
  // its middleware is scoped to /account/* (console-app.ts), so it never touches other routes.
  if (app.config.web.enabled) http.route('/', consoleRoutes(app) as unknown as Hono<ApiEnv>);

  http.notFound((c) =>
    // A browser gets a page; the API and the machine endpoints keep their JSON answer.
    app.config.web.enabled &&
    prefersHtml(c.req.header('accept')) &&
    !/^\/(api|dovecot)(\/|$)/.test(c.req.path)
      ? notFoundPage(c, null)
      : errorResponse(c, 'not-found', `no route for ${c.req.method} ${c.req.path}`),
  );
  http.onError((error, c) => {
    const id = c.var.requestId;
    logger.error('request failed', { requestId: id, method: c.req.method, path: c.req.path, error });
    return errorResponse(c, 'internal-error', 'internal error', { requestId: id });
  });
  return http;
}

/** Every route under /api/v1 is authenticated; `authenticate` also decides who may write. */
function apiRoutes(app: App): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.use(authenticate(app.directory, app.identity));
  api.use(async (c, next) => {
    await next();
    // Answers carry personal data and audit records: no shared or browser cache keeps them.
    c.header('Cache-Control', 'no-store');
  });
  api.route('/domains', domainRoutes(app.directory));
  api.route('/users', userRoutes(app.directory, app.outbound));
  api.route('/groups', groupRoutes(app.directory));
  api.route('/policies', policyRoutes(app.outbound));
  api.route('/restricted', restrictedRoutes(app.outbound));
  api.route('/quarantine', quarantineRoutes(app.outbound.quarantine, app.delivery));
  api.route('/alerts', alertRoutes(app.alerts));
  api.route('/webhooks', webhookRoutes(app.notifier));
  api.route(
    '/audit',
    auditRoutes(app.audit, () => app.settings.get('audit.retentionDays')),
  );
  api.route('/org', orgRoutes(app.settings));
  api.route('/score', scoreRoutes(app.score));
  api.route('/users', signInUserRoutes(app.identity));
  api.route('/signins', signInRoutes(app.identity));
  api.route('/users', mfaUserRoutes(app.identity));
  api.route('/users', respondRoutes(app.respond));
  return api;
}

/** Browsers put text/html first in Accept; API clients ask for JSON or anything. */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html !== -1 && (json === -1 || html < json);
}
