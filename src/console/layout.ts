import { html, SafeHtml } from './html.js';

export interface PageOptions {
  title: string;
  /** Null on pages shown before sign-in. */
  csrfToken: string | null;
  /** Show the navigation of a signed-in user. */
  signedIn: boolean;
  notice?: { kind: 'info' | 'ok' | 'error'; text: string } | null;
  /** Pages with passkey buttons load the passkey script. */
  passkeys?: boolean;
  /** The admin pages (/admin) have their own navigation. */
  area?: 'account' | 'admin';
}

export function layout(options: PageOptions, body: SafeHtml): string {
  const notice = options.notice
    ? html`<div class="notice ${options.notice.kind === 'info' ? '' : options.notice.kind}" role="status">${options.notice.text}</div>`
    : '';
  const admin = options.area === 'admin';
  const links = admin
    ? html`<a href="/admin">Needs attention</a>
        <a href="/admin/restricted">Restricted senders</a>
        <a href="/admin/users">Users</a>
        <a href="/admin/directory">Domains and groups</a>
        <a href="/admin/policies">Sending policies</a>
        <a href="/admin/alerts">Alerts</a>
        <a href="/admin/quarantine">Quarantine</a>
        <a href="/admin/audit">Audit log</a>
        <a href="/admin/score">Secure Score</a>
        <a href="/admin/settings">Settings</a>
        <a href="/admin/tokens">API tokens</a>
        <a href="/admin/notifications">Notifications</a>`
    : html`<a href="/account">Overview</a>
        <a href="/account/security">Sign-in methods</a>
        <a href="/account/app-passwords">App passwords</a>
        <a href="/account/password">Password</a>
        <a href="/account/sign-ins">Recent sign-ins</a>`;
  const nav = options.signedIn
    ? html`<nav aria-label="${admin ? 'Admin pages' : 'Your account'}">
        ${links}
      </nav>`
    : '';
  const signOut = options.signedIn
    ? html`<div class="bar-end">${admin ? html`<a href="/account">Your account</a>` : ''}<form method="post" action="/account/sign-out" class="inline">
        <input type="hidden" name="_csrf" value="${options.csrfToken ?? ''}">
        <button type="submit" id="sign-out">Sign out</button>
      </form></div>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.csrfToken ? html`<meta name="csrf-token" content="${options.csrfToken}">` : ''}
<title>${options.title} · Mailwarden</title>
<link rel="stylesheet" href="/account/assets/style.css">
${options.passkeys ? html`<script src="/account/assets/passkey.js" defer></script>` : ''}
</head>
<body${admin ? html` class="admin"` : ''}>
<header><div class="bar"><a class="brand" href="${admin ? '/admin' : '/account'}">Mailwarden${admin ? ' administration' : ''}</a>${signOut}</div>${nav}</header>
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
