import { type MessageKey, type Translator, translator } from '../i18n/index.js';
import { escapeHtml, html, SafeHtml } from './html.js';

export interface PageOptions {
  title: string;
  /** Null on pages shown before sign-in. */
  csrfToken: string | null;
  /** Show the navigation of a signed-in user. */
  signedIn: boolean;
  notice?: { kind: 'info' | 'ok' | 'error'; text: string | SafeHtml } | null;
  /** Pages with passkey buttons load the passkey script. */
  passkeys?: boolean;
  /** The admin pages (/admin) have their own navigation. */
  area?: 'account' | 'admin';
  /** The reader's language (the console sets `c.get('t')`); English when a page does not pass one yet. */
  t?: Translator;
  /**
   * The page's path (`c.req.path`): its navigation link gets aria-current="page", or "true" when the
   * page lies under it (/admin/users/… under Users). No link is marked when a page does not pass it.
   */
  current?: string;
}

const ADMIN_LINKS: ReadonlyArray<readonly [string, MessageKey]> = [
  ['/admin', 'nav.admin.attention'],
  ['/admin/restricted', 'nav.admin.restricted'],
  ['/admin/users', 'nav.admin.users'],
  ['/admin/directory', 'nav.admin.directory'],
  ['/admin/policies', 'nav.admin.policies'],
  ['/admin/alerts', 'nav.admin.alerts'],
  ['/admin/quarantine', 'nav.admin.quarantine'],
  ['/admin/audit', 'nav.admin.audit'],
  ['/admin/score', 'nav.admin.score'],
  ['/admin/settings', 'nav.admin.settings'],
  ['/admin/tokens', 'nav.admin.tokens'],
  ['/admin/notifications', 'nav.admin.notifications'],
];

const ACCOUNT_LINKS: ReadonlyArray<readonly [string, MessageKey]> = [
  ['/account', 'nav.account.overview'],
  ['/account/security', 'nav.account.security'],
  ['/account/app-passwords', 'nav.account.appPasswords'],
  ['/account/password', 'nav.account.password'],
  ['/account/sign-ins', 'nav.account.signIns'],
];

/** The link of the page at `path`: the same path, or else the longest link the path lies under. */
export function currentLink(
  links: ReadonlyArray<readonly [string, MessageKey]>,
  path: string | undefined,
): { href: string; exact: boolean } | null {
  if (path === undefined) return null;
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  let best: string | null = null;
  for (const [href] of links)
    if ((trimmed === href || trimmed.startsWith(`${href}/`)) && (best === null || href.length > best.length))
      best = href;
  return best === null ? null : { href: best, exact: best === trimmed };
}

export function layout(options: PageOptions, body: SafeHtml): string {
  const notice = options.notice
    ? html`<div class="notice ${options.notice.kind === 'info' ? '' : options.notice.kind}" role="status">${options.notice.text}</div>`
    : '';
  const admin = options.area === 'admin';
  const t = options.t ?? translator('en');
  const current = currentLink(admin ? ADMIN_LINKS : ACCOUNT_LINKS, options.current);
  const links = (admin ? ADMIN_LINKS : ACCOUNT_LINKS).map(
    ([href, key]) =>
      html`<a href="${href}"${href === current?.href ? html` aria-current="${current.exact ? 'page' : 'true'}"` : ''}>${t(key)}</a>`,
  );
  const nav = options.signedIn
    ? html`<nav aria-label="${admin ? t('common.nav.admin') : t('common.nav.account')}">
        ${links}
      </nav>`
    : '';
  const signOut = options.signedIn
    ? html`<div class="bar-end">${admin ? html`<a href="/account">${t('common.yourAccount')}</a>` : ''}<form method="post" action="/account/sign-out" class="inline">
        <input type="hidden" name="_csrf" value="${options.csrfToken ?? ''}">
        <button type="submit" id="sign-out">${t('common.signOut')}</button>
      </form></div>`
    : '';
  return html`<!doctype html>
<html lang="${t.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.csrfToken ? html`<meta name="csrf-token" content="${options.csrfToken}">` : ''}
<title>${options.title} · Mailwarden</title>
<link rel="stylesheet" href="/account/assets/style.css">
${options.passkeys ? html`<script src="/account/assets/passkey.js" defer></script>` : ''}
</head>
<body${admin ? html` class="admin"` : ''}>
<header><div class="bar"><a class="brand" href="${admin ? '/admin' : '/account'}">${admin ? t('common.brand.admin') : t('common.brand')}</a>${signOut}</div>${nav}</header>
<main>
<h1>${options.title}</h1>
${notice}
<div id="passkey-status" class="notice error" hidden></div>
${scrollingTables(body)}
</main>
</body>
</html>`.text;
}

/**
 * Every table in a box that scrolls sideways on its own when the table is wider than the page (a
 * phone), so the page itself never does; focusable, so the keyboard can scroll it too.
 */
function scrollingTables(body: SafeHtml): SafeHtml {
  return new SafeHtml(
    body.text
      .replace(/<table(?=[\s>])/g, '<div class="scroll" tabindex="0"><table')
      .replace(/<\/table>/g, '</table></div>'),
  );
}

/** The hidden CSRF field every form carries. */
export function csrfField(token: string | null): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token ?? ''}">`;
}

/**
 * A catalogue message whose placeholders are markup (a link, an address in <strong>): `message` is
 * `t(key)` without params, so its `{name}`s are still there; the words around them are escaped.
 */
export function htmlMessage(message: string, params: Readonly<Record<string, SafeHtml | string>>): SafeHtml {
  const parts = message.split(/\{(\w+)\}/);
  return new SafeHtml(
    parts
      .map((part, index) => {
        if (index % 2 === 0) return escapeHtml(part);
        const value = params[part];
        if (value === undefined) return escapeHtml(`{${part}}`);
        return value instanceof SafeHtml ? value.text : escapeHtml(value);
      })
      .join(''),
  );
}
