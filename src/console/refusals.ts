import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** A refusal as a page: the reason in words, a way back, never a stack trace. */
export function refusePage(c: Context<ConsoleEnv>, status: ContentfulStatusCode, message: string): Response {
  return c.html(
    layout(
      {
        title: status === 404 ? 'Not found' : 'Not allowed',
        csrfToken: null,
        signedIn: false,
        notice: { kind: 'error', text: message },
      },
      html`<section><p><a href="/account">Back to your account</a></p></section>`,
    ),
    status,
  );
}

/** For the passkey script's JSON calls. */
export function jsonRefusal(c: Context<ConsoleEnv>, status: ContentfulStatusCode, message: string): Response {
  return c.json({ error: message }, status);
}

/**
 * A page that does not exist, for browsers: HTML with a way back, never the API's JSON. A GET of a
 * path that only takes a form's POST (a refresh after submitting) goes back to the form's page.
 */
export function notFoundPage(c: Context, formPage: string | null): Response {
  if (formPage !== null && (c.req.method === 'GET' || c.req.method === 'HEAD'))
    return c.redirect(formPage, 303);
  return c.html(
    layout(
      {
        title: 'Not found',
        csrfToken: null,
        signedIn: false,
        notice: { kind: 'error', text: `There is no page ${c.req.path}.` },
      },
      html`<section><p><a href="/account">Go to your account</a></p></section>`,
    ),
    404,
  );
}
