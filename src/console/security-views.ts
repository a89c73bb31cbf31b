import type { MfaMethods, MfaRequirement, Passkey } from '../identity/index.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { qrCodeSvg } from './qr-code.js';
import { when } from './time.js';

export type Notice = { kind: 'info' | 'ok' | 'error'; text: string } | null;

/** What the page says without a notice of its own: a second factor is needed now, or by a date. */
export function requirementNotice(enrolOnly: boolean, requirement: MfaRequirement): Notice {
  if (enrolOnly)
    return {
      kind: 'error',
      text: 'Your administrator requires a second factor. Set up an authenticator app or a passkey to continue.',
    };
  if (requirement.requiredBy && !requirement.hasMethod && requirement.deadlineMs)
    return {
      kind: 'info',
      text: `A second factor is required for your account: set one up by ${new Date(requirement.deadlineMs).toISOString().slice(0, 10)}.`,
    };
  return null;
}

export interface SecurityFacts {
  methods: MfaMethods;
  passkeys: readonly Passkey[];
  recoveryLeft: number;
  /** A session that must register a second factor first sees only the ways to add one. */
  enrolOnly: boolean;
}

/** Sign-in methods: the authenticator app, the passkeys, the recovery codes; `extra` goes on top. */
export function securityView(facts: SecurityFacts, csrf: string, extra?: SafeHtml): SafeHtml {
  return html`${extra ?? ''}
        ${totpBlock(facts, csrf)}
        ${passkeysBlock(facts, csrf)}
        ${facts.enrolOnly ? '' : recoveryBlock(facts.recoveryLeft, csrf)}`;
}

function totpBlock({ methods, enrolOnly }: SecurityFacts, csrf: string): SafeHtml {
  return html`<section id="totp">
          <h2>Authenticator app</h2>
          ${
            methods.totp
              ? html`<p>An authenticator app is set up.</p>
                ${enrolOnly ? '' : html`<form method="post" action="/account/totp/remove">${csrfField(csrf)}<button class="danger" type="submit" id="remove-totp">Remove authenticator app</button></form>`}`
              : html`<p class="muted">Use an app such as Aegis, FreeOTP or Google Authenticator for 6-digit codes.</p>
                <form method="post" action="/account/totp/start">${csrfField(csrf)}<button type="submit" id="start-totp">Set up an authenticator app</button></form>`
          }
        </section>`;
}

function passkeysBlock({ passkeys, enrolOnly }: SecurityFacts, csrf: string): SafeHtml {
  return html`<section id="passkeys">
          <h2>Passkeys</h2>
          ${
            passkeys.length === 0
              ? html`<p class="muted">No passkeys yet. A passkey lives in your device or security key; nothing to type.</p>`
              : html`<table><thead><tr><th>Name</th><th>Added</th><th>Last used</th><th></th></tr></thead><tbody>
                ${passkeys.map(
                  (passkey) => html`<tr class="passkey">
                    <td>${
                      enrolOnly
                        ? passkey.name
                        : html`<form method="post" action="/account/passkeys/${passkey.id}/rename" class="row">${csrfField(csrf)}
                      <input type="text" name="name" value="${passkey.name}" maxlength="64" aria-label="Passkey name"><button class="secondary" type="submit">Rename</button></form>`
                    }</td>
                    <td>${when(passkey.createdAt, 'day')}</td>
                    <td>${passkey.lastUsedAt ? when(passkey.lastUsedAt) : 'never'}</td>
                    <td>${enrolOnly ? '' : html`<form method="post" action="/account/passkeys/${passkey.id}/remove" class="inline">${csrfField(csrf)}<button class="danger" type="submit">Remove</button></form>`}</td>
                  </tr>`,
                )}</tbody></table>`
          }
          <div class="row">
            <div><label for="passkey-name">Name for a new passkey</label>
            <input type="text" id="passkey-name" maxlength="64" value="My passkey"></div>
            <div><button type="button" id="add-passkey" data-passkey="register"
              data-options="/account/passkeys/registration-options" data-verify="/account/passkeys/registration">Add a passkey</button></div>
          </div>
        </section>`;
}

function recoveryBlock(recoveryLeft: number, csrf: string): SafeHtml {
  return html`<section id="recovery-codes">
              <h2>Recovery codes</h2>
              <p>${recoveryLeft} unused recovery code${recoveryLeft === 1 ? '' : 's'}. Each works once, when you have no other second factor at hand.</p>
              <form method="post" action="/account/recovery-codes">${csrfField(csrf)}<button type="submit" class="secondary" id="regenerate-recovery">${recoveryLeft > 0 ? 'Replace my recovery codes' : 'Create recovery codes'}</button></form>
            </section>`;
}

/** Fresh recovery codes, shown once. */
export function recoveryCodesView(codes: readonly string[]): SafeHtml {
  return html`<section id="new-recovery-codes"><h2>Your new recovery codes</h2>
      <p><strong>Save them now: they are shown only this once.</strong> Each code works one time.</p>
      <ul class="codes">${codes.map((code) => html`<li class="recovery-code">${code}</li>`)}</ul></section>`;
}

/** The QR code, the key by hand, the link, and the form for the first code. */
export async function totpConfirmView(secret: string, uri: string, csrf: string): Promise<SafeHtml> {
  return html`<section>
          <p>Scan this code with your authenticator app, then type the 6-digit code it shows.</p>
          <div class="qr">${await qrCodeSvg(uri)}</div>
          <p class="muted">Cannot scan? Enter this key by hand: <span class="secret" id="totp-secret">${secret}</span></p>
          <p class="muted">Or open: <a id="totp-uri" href="${uri}">${uri}</a></p>
          <form method="post" action="/account/totp/confirm">${csrfField(csrf)}
            <input type="hidden" name="uri" value="${uri}">
            <label for="code">Code from the app</label>
            <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
            <button type="submit" id="confirm-totp">Confirm</button>
          </form>
        </section>`;
}
