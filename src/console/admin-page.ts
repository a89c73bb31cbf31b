import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Formatter, MessageKey, Translator } from '../i18n/index.js';
import type { WebSession } from '../identity/index.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { gate } from './gate.js';
import type { SafeHtml } from './html.js';
import { layout } from './layout.js';
import { refusePage } from './refusals.js';
import { ago, when } from './time.js';

export type AdminNotice = { kind: 'info' | 'ok' | 'error'; text: string | SafeHtml } | null;

/**
 * Who reads an admin page: their language (`t`), dates and numbers their way in the organization's
 * time zone (`fmt`), and the moment the page is made, for "3 min ago". Every view takes one.
 */
export interface Reader {
  t: Translator;
  fmt: Formatter;
  now: Date;
}

export function readerOf(c: Context<ConsoleEnv>, deps: Pick<ConsoleDeps, 'clock'>): Reader {
  return { t: c.var.t, fmt: c.var.fmt, now: new Date(deps.clock.nowMs()) };
}

/**
 * A catalogue entry by a key made from a domain identifier (a control id, a setting, an operation),
 * or `fallback` when the catalogue has none yet (one added to the domain after the catalogue).
 */
export function wordsOr(t: Translator, key: string, fallback: string): string {
  const found = t(key as MessageKey);
  return found === key ? fallback : found;
}

/**
 * A stored timestamp as the reader reads it (time.ts): "7 Dec 2026, 16:41 UTC" in the organization's
 * time zone, the day only, or "3 min ago" when `relative` and recent.
 */
export function at(reader: Reader, iso: string, style: 'minute' | 'day' | 'relative' = 'minute'): SafeHtml {
  return style === 'relative' ? ago(iso, reader.fmt, reader.now) : when(iso, style, reader.fmt);
}

/**
 * An administrator signed in with a second factor, or the answer instead. These pages reset anyone's
 * password, so a password alone never opens them, not even during the MFA registration grace period.
 * Every admin route asks this first.
 */
export function adminGate(c: Context<ConsoleEnv>): WebSession | Response {
  const session = gate(c);
  if (session instanceof Response) return session;
  const t = c.var.t;
  if (session.user.role !== 'admin') return refusePage(c, 403, t('admin.gate.notAdmin'));
  // A password-only sign-in records its method as 'password' (sign-in-routes.ts).
  if (session.secondFactor === null || session.secondFactor === 'password')
    return refusePage(c, 403, t('admin.gate.needsSecondFactor'));
  return session;
}

/** The session's CSRF token, for the forms of a page (the session exists: adminGate passed). */
export function adminCsrf(c: Context<ConsoleEnv>, deps: Pick<ConsoleDeps, 'identity'>): string {
  return deps.identity.webSessions.csrfTokenFor(c.var.sessionToken!);
}

/** An admin page in the reader's language: the admin navigation around `body`, with an optional notice and status. */
export function adminPage(
  c: Context<ConsoleEnv>,
  deps: Pick<ConsoleDeps, 'identity'>,
  title: string,
  body: SafeHtml,
  notice: AdminNotice = null,
  status: ContentfulStatusCode = 200,
): Response | Promise<Response> {
  // The language the page is written in, for caches and assistive tools (the html element says it too).
  c.header('Content-Language', c.var.t.locale);
  return c.html(
    layout(
      {
        title,
        csrfToken: adminCsrf(c, deps),
        signedIn: true,
        area: 'admin',
        notice,
        t: c.var.t,
        current: c.req.path,
      },
      body,
    ),
    status,
  );
}
