import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type Translator, translator } from '../i18n/index.js';
import type { ConsoleEnv } from './console-env.js';
import { html } from './html.js';
import { layout } from './layout.js';

/**
 * A refusal as a page: the reason in words, a way back, never a stack trace. `message` is already in
 * the reader's language (`c.get('t')`); the title and the way back are translated here.
 */
export function refusePage(c: Context<ConsoleEnv>, status: ContentfulStatusCode, message: string): Response {
  const t = readerOf(c);
  return c.html(
    layout(
      {
        title: status === 404 ? t('common.notFound') : t('common.notAllowed'),
        csrfToken: null,
        signedIn: false,
        notice: { kind: 'error', text: message },
        t,
      },
      html`<section><p><a href="/account">${t('common.backToAccount')}</a></p></section>`,
    ),
    status,
  );
}

/** The request's translator; English for a context the console's middleware did not see. */
function readerOf(c: Context): Translator {
  return (c.get('t') as Translator | undefined) ?? translator('en');
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
  const t = readerOf(c);
  return c.html(
    layout(
      {
        title: t('common.notFound'),
        csrfToken: null,
        signedIn: false,
        notice: { kind: 'error', text: t('common.noSuchPage', { path: c.req.path }) },
        t,
      },
      html`<section><p><a href="/account">${t('common.goToAccount')}</a></p></section>`,
    ),
    404,
  );
}
