import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { errorResponse } from '../../http-status/index.js';
import type { DovecotEventIngest } from './event-ingest.js';

/**
 * POST /dovecot/events: Dovecot's event exporter (deploy/dovecot/conf.d/95-mailwarden-audit.conf).
 * The exporter cannot send headers of its own, so the secret travels as the password of the URL
 * (http://dovecot:SECRET@host/dovecot/events → Basic auth); `Bearer SECRET` works for other senders.
 * 204 only after the events are durable; 400 for a malformed body, 401 for a wrong secret, 503 when
 * the database fails — each counted in /metrics, because Dovecot never sends an event twice.
 */
export function dovecotEventRoutes(
  ingest: Pick<DovecotEventIngest, 'accept' | 'refusedUnauthorized'>,
  secret: string | null,
): Hono {
  const routes = new Hono();
  routes.post('/dovecot/events', async (c) => {
    if (secret === null)
      return errorResponse(c, 'not-found', 'the Dovecot event endpoint is off (set dovecot.eventsSecret)');
    if (!matches(presentedSecret(c.req.header('authorization')), secret)) {
      ingest.refusedUnauthorized();
      c.header('WWW-Authenticate', 'Basic realm="mailwarden-dovecot-events"');
      return errorResponse(c, 'unauthenticated', 'wrong or missing Dovecot event secret');
    }
    const outcome = await ingest.accept(await c.req.text());
    if (outcome.ok) return c.body(null, 204);
    if (outcome.code === 'malformed') return errorResponse(c, 'invalid-body', outcome.message);
    return errorResponse(c, 'service-unavailable', outcome.message);
  });
  return routes;
}

function presentedSecret(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (/^bearer$/i.test(scheme ?? '')) return value;
  if (!/^basic$/i.test(scheme ?? '')) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(colon + 1);
}

/** Constant time whatever the lengths: both sides are hashed first. */
function matches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
