import type { Context, MiddlewareHandler } from 'hono';
import type { ApiTokenRole, Directory } from '../directory/index.js';
import { errorResponse } from '../http-status/index.js';
import type { Identity } from '../identity/index.js';
import type { ApiEnv } from './api-env.js';

/** Auditors read; only admins change anything. The one place API permissions are decided. */
export function mayCall(role: ApiTokenRole, method: string): boolean {
  return role === 'admin' || method === 'GET' || method === 'HEAD';
}

/** RFC 6750 §2.1: `Authorization: Bearer <token>`; the scheme name is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/**
 * Verifies the bearer token and the caller's right to the method, then names the actor that audit
 * records of this request carry. Runs before any body is read.
 */
export function authenticate(
  directory: Pick<Directory, 'verifyApiToken'>,
  identity: { mfa: Pick<Identity['mfa'], 'checkApiTokenOwner'> },
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) return challenge(c, 'send an API token as "Authorization: Bearer <token>"', null);
    const secret = BEARER.exec(header)?.[1];
    const token = secret ? await directory.verifyApiToken(secret) : null;
    if (!token) return challenge(c, 'the API token is unknown, malformed or revoked', 'invalid_token');
    // Admins' tokens honour the org's MFA policy (ownerless service tokens are not people: see mfa-policy.ts).
    const owner = await identity.mfa.checkApiTokenOwner(token.ownerUserId);
    if (!owner.ok) return errorResponse(c, 'forbidden', owner.message);
    if (!mayCall(token.role, c.req.method))
      return errorResponse(c, 'forbidden', `an ${token.role} token may only read (GET)`);
    c.set('token', token);
    c.set('actor', {
      actor: `token:${token.name}`,
      logonType: 'admin',
      clientIp: remoteAddress(c),
      clientInfo: 'api',
    });
    await next();
  };
}

/** RFC 6750 §3: every 401 carries the challenge; `invalid_token` when a token was sent but refused. */
function challenge(c: Context<ApiEnv>, message: string, error: 'invalid_token' | null): Response {
  c.header(
    'WWW-Authenticate',
    error ? `Bearer realm="mailwarden", error="${error}"` : 'Bearer realm="mailwarden"',
  );
  return errorResponse(c, 'unauthenticated', message);
}

/**
 * The peer's address. Forwarded headers are not read: nothing configures a trusted proxy yet, and a
 * header any client can set must not end up in the audit log as the client's address.
 */
function remoteAddress(c: Context<ApiEnv>): string | null {
  return c.env?.incoming?.socket.remoteAddress ?? null;
}
