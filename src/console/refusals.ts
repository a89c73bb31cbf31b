import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** A refusal as a page: the reason in words, a way back, never a stack trace. */
export function refusePage(c: Context<ConsoleEnv>, status: ContentfulStatusCode, message: string): Response {
  return c.html(
    layout(
      { title: 'Not allowed', csrfToken: null, signedIn: false, notice: { kind: 'error', text: message } },
      html`<section><p><a href="/account">Back to your account</a></p></section>`,
    ),
    status,
  );
}

/** For the passkey script's JSON calls. */
export function jsonRefusal(c: Context<ConsoleEnv>, status: ContentfulStatusCode, message: string): Response {
  return c.json({ error: message }, status);
}
