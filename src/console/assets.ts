/**
 * The console's static files, served from /account/assets/. Kept as modules so that `tsc` ships them
 * with the build (no bundler, nothing fetched at run time); the CSP allows scripts and styles from
 * 'self' only, so no inline script or style attribute is ever needed.
 */
export const styleSheet = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6575; --line: #d9dee7; --accent: #1f5fbf; --bad: #b3261e; --good: #1e7d32; --warn: #8a5300; --focus: #f2b705; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: #f5f7fa; }
header { background: #1d2430; color: #fff; padding: .5rem 1.25rem; }
header .bar { display: flex; gap: 1rem; align-items: center; justify-content: space-between; }
header a { color: #fff; text-decoration: none; }
header .brand { font-weight: 700; }
header .bar-end { display: flex; gap: 1rem; align-items: center; white-space: nowrap; }
header nav { display: flex; gap: .25rem .9rem; flex-wrap: nowrap; overflow-x: auto; white-space: nowrap; font-size: .9rem; padding: .35rem 0 .1rem; }
header nav a { padding: .1rem 0; }
header nav a:hover { text-decoration: underline; }
header form { margin: 0; }
main { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin-bottom: 1rem; min-width: 0; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; overflow-wrap: anywhere; } h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
p, li, dd, summary { overflow-wrap: anywhere; }
td, th { overflow-wrap: break-word; }
a { color: var(--accent); }
label { display: block; margin: .5rem 0 .25rem; font-weight: 600; }
input[type=text], input[type=password], input[type=email], input[type=number], input[type=url], select, textarea { width: 100%; max-width: 100%; padding: .5rem; border: 1px solid #8a94a6; border-radius: 6px; font: inherit; }
button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin-top: .75rem; }
button:hover { filter: brightness(1.1); }
button:disabled { opacity: .6; cursor: default; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
a.remove { color: var(--bad); }
header button { margin: 0; background: transparent; border-color: #fff; padding: .25rem .75rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; border-radius: 2px; }
header :focus-visible { outline-color: var(--focus); }
.notice { padding: .75rem 1rem; border-radius: 6px; margin-bottom: 1rem; background: #e8f0fe; overflow-wrap: anywhere; }
.notice.error { background: #fdecea; color: var(--bad); }
.notice.ok { background: #e6f4ea; color: var(--good); }
.muted { color: var(--muted); }
.scroll { overflow-x: auto; max-width: 100%; position: relative; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
th, td { text-align: left; padding: .35rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
time { white-space: nowrap; }
code, .secret { font-family: ui-monospace, monospace; background: #f0f2f5; padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }
#totp-uri { word-break: break-all; overflow-wrap: anywhere; }
.codes { columns: 2; font-family: ui-monospace, monospace; font-size: 1.1rem; }
.qr svg { width: 220px; height: 220px; max-width: 100%; }
.inline { display: inline; } .inline button { margin-top: 0; }
.row { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; } .row > * { flex: 1; min-width: 8rem; } .row > button { flex: 0 0 auto; min-width: 0; }
label:has(input[type=checkbox]) { font-weight: 400; }
li.ok strong { color: var(--good); } li.missing strong, tr.suspicious td, .severity-high { color: var(--bad); }
.severity-high, .severity-medium { font-weight: 600; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; font-size: .85rem; font-weight: 600; line-height: 1.6; white-space: nowrap; border: 1px solid currentColor; }
.badge.ok { color: var(--good); background: #e6f4ea; }
.badge.warn { color: var(--warn); background: #fff4e0; }
.badge.bad { color: var(--bad); background: #fdecea; }
.badge.neutral { color: var(--muted); background: #f0f2f5; }
ul.details { list-style: none; margin: 0; padding: 0; font-size: .9rem; }
ul.details .detail-name { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
#temporary-password { font-size: 1.25rem; }
.chart { margin: 0; }
.chart-title { font-weight: 600; }
.chart-summary { margin: .25rem 0 .5rem; font-size: .9rem; }
.chart-drawing { display: block; width: 100%; max-width: 36rem; height: auto; }
.chart-drawing text { font: 12px system-ui, sans-serif; fill: var(--ink); }
.chart-drawing text.axis { fill: var(--muted); }
.chart-drawing .grid { stroke: var(--line); stroke-width: 1; }
.chart-drawing .baseline { stroke: #8a94a6; stroke-width: 1; }
.series-sent, .series-score { fill: var(--accent); }
.series-success { fill: var(--good); }
.series-failure, .series-high, .bar.over { fill: var(--bad); }
.series-medium { fill: #c77c00; }
.series-low { fill: #6b8fd6; }
.series-informational { fill: #a9b2c3; }
.limit { stroke: var(--bad); stroke-width: 2; stroke-dasharray: 6 4; }
.chart-drawing .limit-label { fill: var(--bad); font-weight: 600; }
.chart-drawing .line { fill: none; stroke: var(--accent); stroke-width: 2.5; }
.chart-drawing .point { fill: #fff; stroke: var(--accent); stroke-width: 2; }
.chart-legend { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; font-size: .85rem; }
.chart-legend li { display: flex; align-items: center; gap: .35rem; }
.chart-legend .swatch { flex: none; }
.chart-numbers summary { cursor: pointer; }
.chart-table .number { text-align: right; }
header nav a[aria-current] { text-decoration: underline; text-decoration-thickness: 2px; text-underline-offset: .3em; }
body.admin main { max-width: 80rem; }
@media (max-width: 40rem) {
  header { padding: .5rem .75rem; }
  main { margin: 1rem auto; padding: 0 .5rem; }
  section { padding: .75rem; }
  .codes { columns: 1; }
  .chart-drawing text { font-size: 14px; }
}
`;

/**
 * Passkeys in the browser: asks the server for options, calls the WebAuthn API, posts the result.
 * Buttons carry data-passkey="register|authenticate"; the CSRF token comes from the page's meta tag.
 */
export const passkeyScript = `'use strict';
(function () {
  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    while (base64.length % 4) base64 += '=';
    var text = atob(base64), bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }
  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer), text = '';
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }
  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw new Error(json && json.error ? json.error : 'request failed');
        return json;
      });
    });
  }
  function show(message) {
    var box = document.getElementById('passkey-status');
    if (box) { box.textContent = message; box.className = 'notice error'; box.hidden = false; }
  }
  function credentialJson(credential) {
    var response = credential.response, out = {
      id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      if (response.getTransports) out.response.transports = response.getTransports();
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) out.response.userHandle = toBase64url(response.userHandle);
    }
    return out;
  }
  function register(button) {
    var nameInput = document.getElementById('passkey-name');
    var name = nameInput && nameInput.value.trim() ? nameInput.value.trim() : 'Passkey';
    return post(button.getAttribute('data-options')).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      (options.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      return post(button.getAttribute('data-verify'), { name: name, response: credentialJson(credential) });
    });
  }
  function authenticate(button) {
    return post(button.getAttribute('data-options')).then(function (options) {
      options.challenge = toBytes(options.challenge);
      (options.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      return post(button.getAttribute('data-verify'), { response: credentialJson(credential) });
    });
  }
  document.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-passkey]');
    if (!button) return;
    event.preventDefault();
    // The page writes these two in the reader's language (data-unsupported, data-failed).
    if (!window.PublicKeyCredential) return show(button.getAttribute('data-unsupported') || 'This browser does not support passkeys.');
    button.disabled = true;
    var action = button.getAttribute('data-passkey') === 'register' ? register : authenticate;
    action(button).then(function (result) {
      window.location.assign(result.redirect || window.location.href);
    }).catch(function (error) {
      button.disabled = false;
      show(error && error.message ? error.message : button.getAttribute('data-failed') || 'The passkey did not work.');
    });
  });
})();
`;
