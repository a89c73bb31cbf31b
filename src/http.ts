import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { type ApiEnv, apiRoutes } from './api/index.js';
import type { App } from './app.js';
import { consoleRoutes, notFoundPage } from './console/index.js';
import { errorResponse } from './http-status/index.js';
import { dovecotAuthRoutes, dovecotEventRoutes } from './mailstack/index.js';
import { listenOn } from './runtime/listen.js';

/**
 * The composition of the HTTP listener: one Hono app holding the REST API (api/), the pages
 * (console/) and Dovecot's endpoints (mailstack/). No adapter mounts another; this file is where
 * they meet, with the middleware, the not-found answer and the error handler they share.
 */

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
  http.route(
    '/',
    apiRoutes(
      {
        directory: app.directory,
        identity: app.identity,
        outbound: app.outbound,
        delivery: app.delivery,
        alerts: app.alerts,
        notifier: app.notifier,
        audit: app.audit,
        settings: app.settings,
        score: app.score,
        respond: app.respond,
        importing: app.importing,
        store: app.store,
        metrics: app.metrics.source,
        logger: app.logger,
        publicUrl: app.config.web.publicUrl,
        worker: app.worker?.slot ?? null,
      },
      { healthTimeoutMs: options.healthTimeoutMs ?? HEALTH_TIMEOUT_MS },
    ),
  );
  // Authenticated by the exporter's shared secret, not by an API token; registered before the
  // /dovecot router, whose bearer check must not run for it.
  http.route('/', dovecotEventRoutes(app.dovecotEvents, app.config.dovecot.eventsSecret));
  // Dovecot's Lua passdb and auth policy server (shared secret, not API tokens): deploy/dovecot/.
  http.route(
    '/dovecot',
    dovecotAuthRoutes({
      config: { dovecot: app.config.dovecot },
      directory: app.directory,
      identity: app.identity,
      logger: app.logger,
    }),
  );
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

/** Browsers put text/html first in Accept; API clients ask for JSON or anything. */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html !== -1 && (json === -1 || html < json);
}

export interface HttpServer {
  start(host: string, port: number): Promise<void>;
  /** The bound port (useful after start on port 0); null when not listening. */
  port(): number | null;
  stop(): Promise<void>;
}

/** The HTTP listener of `mailwarden serve`: the Hono app over node:http, on one host address only. */
export function createHttpServer(app: App, options: HttpAppOptions = {}): HttpServer {
  const honoApp = createHttpApp(app, options);
  let server: Server | null = null;
  return {
    async start(host, port) {
      if (server) throw new Error('the HTTP server is already started');
      // Without serverOptions or a createServer of its own, the adaptor builds a plain node:http Server.
      const created = createAdaptorServer({ fetch: honoApp.fetch, hostname: host }) as Server;
      await listenOn(created, host, port);
      created.on('error', (error) => app.logger.error('http server error', { error }));
      server = created;
    },
    port() {
      const address = server?.address();
      return address && typeof address === 'object' ? (address as AddressInfo).port : null;
    },
    async stop() {
      const closing = server;
      if (!closing) return;
      server = null;
      // close() stops accepting and ends idle keep-alive connections; requests still running get the
      // shutdown grace, then their connections are cut.
      const cut = setTimeout(() => closing.closeAllConnections(), app.config.shutdown.graceMs);
      await new Promise<void>((resolve) => closing.close(() => resolve()));
      clearTimeout(cut);
    },
  };
}
