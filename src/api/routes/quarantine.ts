import { type Context, Hono } from 'hono';
import { errorResponse, failureResponse } from '../../http-status/index.js';
import type {
  HeldMessageSender,
  OutboundFailure,
  Quarantine,
  QuarantinedMessage,
} from '../../outbound/index.js';
import type { ApiEnv } from '../api-env.js';
import { quarantineListQuery } from '../request-schemas.js';
import { queryParams } from '../validate.js';

/**
 * /api/v1/quarantine: outgoing messages held as spam, and their release or deletion. Release and
 * delete are POSTs (admin tokens only, as every non-GET) that answer with the decided record.
 */
export function quarantineRoutes(
  quarantine: Pick<Quarantine, 'list' | 'get' | 'release' | 'remove'>,
  delivery: HeldMessageSender,
): Hono<ApiEnv> {
  const routes = new Hono<ApiEnv>();

  // Newest first; only the still-held ones unless ?status= says otherwise.
  routes.get('/', queryParams(quarantineListQuery), async (c) =>
    c.json({ messages: await quarantine.list(c.req.valid('query')) }),
  );

  // The summary and the header section: enough to judge the message without serving its content.
  routes.get('/:id', async (c) => {
    const id = c.req.param('id');
    const held = await quarantine.get(id);
    if (!held) return errorResponse(c, 'message-not-found', `no quarantined message ${id}`);
    const { raw, ...summary } = held;
    return c.json({ message: { ...summary, headers: headerSection(raw) } });
  });

  // Delivers the message as it was submitted (502 release-failed leaves it held), then marks it released.
  routes.post('/:id/release', async (c) =>
    decidedResponse(c, await quarantine.release(c.req.param('id'), delivery, c.var.actor)),
  );

  routes.post('/:id/delete', async (c) =>
    decidedResponse(c, await quarantine.remove(c.req.param('id'), c.var.actor)),
  );

  return routes;
}

function decidedResponse(
  c: Context,
  outcome: { ok: true; message: QuarantinedMessage } | OutboundFailure,
): Response {
  return outcome.ok ? c.json({ message: outcome.message }) : failureResponse(c, outcome);
}

/**
 * The header section of an RFC 5322 message: everything before the first empty line (CRLF, or a bare
 * LF as some clients send). A message without an empty line has no body (RFC 5322 §3.5), so all of it
 * is header section.
 */
export function headerSection(raw: Buffer): string {
  const end = raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a) ? 0 : endOfHeaders(raw);
  return raw.subarray(0, end).toString('utf8');
}

function endOfHeaders(raw: Buffer): number {
  const crlf = raw.indexOf('\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((index) => index >= 0);
  // Keep the line break that ends the last header line; drop the empty line.
  return ends.length > 0 ? Math.min(...ends) + 1 : raw.length;
}
