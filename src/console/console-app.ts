import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { isLoopbackHost } from '../config/index.js';
import { chooseLocale, formatter, isLocale, translator } from '../i18n/index.js';
import { accountRoutes } from './account-routes.js';
import { adminRoutes } from './admin-routes.js';
import { passkeyScript, styleSheet } from './assets.js';
import type { ConsoleDeps, ConsoleServices } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { clearCookie, cookieNames, readCookie } from './cookies.js';
import { notFoundPage, refusePage } from './refusals.js';
import { securityRoutes } from './security-routes.js';
import { signInRoutes } from './sign-in-routes.js';

/**
 * Content-Security-Policy without 'unsafe-inline': scripts and styles only as files from this origin,
 * no framing, forms only to this origin. The QR code is inline SVG markup, which needs no exception.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * Every middleware here is scoped to the console's own paths (this app is mounted at the root): the
 * self-service area and the admin pages share sessions, headers and CSRF protection.
 */
// Hono's '/admin/*' matches '/admin' itself too.
const SCOPES = ['/account/*', '/admin/*'] as const;

/** The self-service area under /account and the admin pages under /admin: server-rendered pages, one small script for passkeys. */
export function consoleRoutes(services: ConsoleServices): Hono<ConsoleEnv> {
  const deps = consoleDeps(services);
  const web = new Hono<ConsoleEnv>();

  const use = (handler: MiddlewareHandler<ConsoleEnv>) => {
    for (const scope of SCOPES) web.use(scope, handler);
  };

  use(async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on form posts, defeating the check.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    c.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    if (!c.req.path.startsWith('/account/assets/')) c.header('Cache-Control', 'no-store');
  });

  web.get('/account/assets/style.css', (c) =>
    c.body(styleSheet, 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
    }),
  );
  web.get('/account/assets/passkey.js', (c) =>
    c.body(passkeyScript, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
    }),
  );

  use(async (c, next) => {
    const originUrl = new URL(deps.config.web.publicUrl ?? loopbackOrigin(c.req.header('host'), deps.config));
    c.set('origin', originUrl.origin);
    c.set('rp', { rpId: originUrl.hostname, origin: originUrl.origin });
    c.set('clientIp', c.env?.incoming?.socket.remoteAddress ?? null);
    const token = readCookie(c, deps.names.session);
    c.set('sessionToken', null);
    c.set('session', null);
    if (token) {
      const checked = await deps.identity.webSessions.check(token);
      if (checked.ok) {
        c.set('sessionToken', token);
        c.set('session', checked.session);
      } else clearCookie(c, deps.names, deps.names.session);
    }
    // The reader's language: their own choice (/account), the browser's, then the organization's.
    // Moments in the organization's time zone. The settings are a snapshot (no query per page).
    const org = await deps.settings.current();
    const user = c.var.session?.user.locale;
    const locale = chooseLocale({
      user: isLocale(user) ? user : null,
      acceptLanguage: c.req.header('accept-language') ?? null,
      org: org.locale,
    });
    c.set('t', translator(locale));
    c.set('fmt', formatter(locale, org.timeZone));
    await next();
    // The page's language for clients and caches. No `Vary: Accept-Language`: every page is
    // no-store (above), so no cache keeps a copy that another language could be served from.
    if (c.res.headers.get('content-type')?.startsWith('text/html')) c.header('Content-Language', locale);
  });

  // CSRF, layer 1: a state-changing request must come from our own origin (Fetch metadata + Origin).
  // Layer 2, the synchronizer token, is checked per form below, once the body is read.
  use(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (!sameOrigin(c)) return refusePage(c, 403, c.var.t('common.csrf.origin'));
    if (!(await csrfTokenMatches(c, deps))) return refusePage(c, 403, c.var.t('common.csrf.expired'));
    return next();
  });

  web.get('/account/', (c) => c.redirect('/account', 301));
  // A browser opening the server's address lands on the sign-in (or the account, when signed in).
  web.get('/', (c) => c.redirect('/account', 302));
  // Browsers ask for it on every first visit; there is no icon, and no need for an error about it.
  web.get('/favicon.ico', (c) => c.body(null, 204, { 'Cache-Control': 'public, max-age=86400' }));
  web.route('/', signInRoutes(deps));
  web.route('/', securityRoutes(deps));
  web.route('/', accountRoutes(deps));
  web.route('/', adminRoutes(deps));
  // Last: a GET no page answered. A form's POST-only target (the address bar after submitting) goes
  // back to the form's page; anything else is a not-found page, never the API's JSON.
  const formPageOf = formPages(web);
  for (const scope of SCOPES) web.get(scope, (c) => notFoundPage(c, formPageOf(c.req.path)));
  return web;
}

/** Only the named services: a caller handing over a larger object does not widen what the pages reach. */
function consoleDeps(services: ConsoleServices): ConsoleDeps {
  const {
    identity,
    directory,
    outbound,
    audit,
    alerts,
    settings,
    score,
    respond,
    notifier,
    delivery,
    clock,
  } = services;
  const { web, listen, http } = services.config;
  return {
    identity,
    directory,
    outbound,
    audit,
    alerts,
    settings,
    score,
    respond,
    notifier,
    delivery,
    clock,
    config: {
      web: { publicUrl: web.publicUrl, secureCookies: web.secureCookies },
      listen,
      http: { port: http.port },
    },
    names: cookieNames(web.secureCookies),
  };
}

/**
 * The origin without web.publicUrl, which configuration allows only on a loopback listener
 * (load-config.ts). The Host header names it only when its host is a loopback name: a page of
 * another site whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name as
 * Host and Origin, and must not be taken for us. Its port is the one the browser reached.
 */
function loopbackOrigin(host: string | undefined, config: ConsoleServices['config']): string {
  if (host) {
    try {
      const url = new URL(`http://${host}`);
      if (isLoopbackHost(url.hostname) && url.username === '' && url.pathname === '/') return url.origin;
    } catch {}
  }
  const listen = config.listen.includes(':') ? `[${config.listen}]` : config.listen;
  return `http://${listen}:${config.http.port}`;
}

/**
 * For a path that only a POST route takes, the nearest page above it that a GET route shows
 * (/admin/users/a@b/secure → /admin/users/a@b); null for a path no POST route takes either.
 */
function formPages(web: Hono<ConsoleEnv>): (path: string) => string | null {
  const pattern = (route: string) =>
    new RegExp(
      `^${route
        .replace(/\*/g, '.*')
        .replace(/:[A-Za-z]+(?:\{([^}]+)\})?/g, (_, choice?: string) =>
          choice ? `(?:${choice})` : '[^/]+',
        )}/?$`,
    );
  const posts = web.routes.filter((route) => route.method === 'POST').map((route) => pattern(route.path));
  const gets = web.routes
    .filter((route) => route.method === 'GET' && !route.path.includes('*'))
    .map((route) => pattern(route.path));
  return (path) => {
    if (!posts.some((post) => post.test(path))) return null;
    let candidate = path;
    while (candidate.lastIndexOf('/') > 0) {
      candidate = candidate.slice(0, candidate.lastIndexOf('/'));
      if (gets.some((get) => get.test(candidate))) return candidate;
    }
    return path.startsWith('/admin') ? '/admin' : '/account';
  };
}

function sameOrigin(c: Context<ConsoleEnv>): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin') return false;
  const origin = c.req.header('origin');
  if (origin) return origin === c.var.origin;
  // Browsers send Origin on every POST; a request without it is not from a browser form of ours.
  const referer = c.req.header('referer');
  if (!referer) return false;
  try {
    return new URL(referer).origin === c.var.origin;
  } catch {
    return false;
  }
}

/**
 * The synchronizer token: with a session, the HMAC of its cookie token (web-sessions.ts); before
 * sign-in, the pre-session cookie's value repeated in the form (double submit). JSON requests send it
 * in X-CSRF-Token, forms in the `_csrf` field. Compared in constant time.
 */
async function csrfTokenMatches(c: Context<ConsoleEnv>, deps: ConsoleDeps): Promise<boolean> {
  let given = c.req.header('x-csrf-token') ?? null;
  const type = c.req.header('content-type') ?? '';
  if (
    given === null &&
    (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data'))
  ) {
    // all: true here, because Hono caches the first parse for the handlers (multi-valued checkboxes).
    const body = await c.req.parseBody({ all: true });
    given = typeof body['_csrf'] === 'string' ? body['_csrf'] : null;
  }
  const sessionToken = c.var.sessionToken;
  if (sessionToken) return deps.identity.webSessions.verifyCsrfToken(sessionToken, given);
  const preSession = readCookie(c, deps.names.preSession);
  return preSession !== null && deps.identity.webSessions.verifyCsrfToken(preSession, given);
}
