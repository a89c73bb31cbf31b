import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { WebSession } from '../identity/index.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { gate } from './gate.js';
import type { SafeHtml } from './html.js';
import { layout } from './layout.js';
import { refusePage } from './refusals.js';

export type AdminNotice = { kind: 'info' | 'ok' | 'error'; text: string } | null;

/**
 * An administrator signed in with a second factor, or the answer instead. These pages reset anyone's
 * password, so a password alone never opens them, not even during the MFA registration grace period.
 * Every admin route asks this first.
 */
export function adminGate(c: Context<ConsoleEnv>): WebSession | Response {
  const session = gate(c);
  if (session instanceof Response) return session;
  if (session.user.role !== 'admin') return refusePage(c, 403, 'These pages are for administrators.');
  // A password-only sign-in records its method as 'password' (sign-in-routes.ts).
  if (session.secondFactor === null || session.secondFactor === 'password')
    return refusePage(
      c,
      403,
      'The admin pages need a sign-in with a second factor. Set one up under Sign-in methods, then sign out and sign in again.',
    );
  return session;
}

/** The session's CSRF token, for the forms of a page (the session exists: adminGate passed). */
export function adminCsrf(c: Context<ConsoleEnv>, deps: Pick<ConsoleDeps, 'identity'>): string {
  return deps.identity.webSessions.csrfTokenFor(c.var.sessionToken!);
}

/** An admin page: the admin navigation around `body`, with an optional notice and status. */
export function adminPage(
  c: Context<ConsoleEnv>,
  deps: Pick<ConsoleDeps, 'identity'>,
  title: string,
  body: SafeHtml,
  notice: AdminNotice = null,
  status: ContentfulStatusCode = 200,
): Response | Promise<Response> {
  return c.html(
    layout(
      { title, csrfToken: adminCsrf(c, deps), signedIn: true, area: 'admin', notice, current: c.req.path },
      body,
    ),
    status,
  );
}
