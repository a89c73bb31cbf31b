import type { Formatter, Translator } from '../i18n/index.js';
import type { MfaMethods, MfaRequirement, Passkey } from '../identity/index.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';
import { qrCodeSvg } from './qr-code.js';
import { when } from './time.js';

export type Notice = { kind: 'info' | 'ok' | 'error'; text: string } | null;

/** What the page says without a notice of its own: a second factor is needed now, or by a date. */
export function requirementNotice(
  enrolOnly: boolean,
  requirement: MfaRequirement,
  t: Translator,
  fmt: Formatter,
): Notice {
  if (enrolOnly) return { kind: 'error', text: t('account.security.required') };
  if (requirement.requiredBy && !requirement.hasMethod && requirement.deadlineMs)
    return {
      kind: 'info',
      text: t('account.security.requiredBy', {
        date: fmt.day(new Date(requirement.deadlineMs).toISOString()),
      }),
    };
  return null;
}

export interface SecurityFacts {
  methods: MfaMethods;
  passkeys: readonly Passkey[];
  recoveryLeft: number;
  /** A session that must register a second factor first sees only the ways to add one. */
  enrolOnly: boolean;
  t: Translator;
  fmt: Formatter;
}

/** Sign-in methods: the authenticator app, the passkeys, the recovery codes; `extra` goes on top. */
export function securityView(facts: SecurityFacts, csrf: string, extra?: SafeHtml): SafeHtml {
  return html`${extra ?? ''}
        ${totpBlock(facts, csrf)}
        ${passkeysBlock(facts, csrf)}
        ${facts.enrolOnly ? '' : recoveryBlock(facts.recoveryLeft, csrf, facts.t)}`;
}

function totpBlock({ methods, enrolOnly, t }: SecurityFacts, csrf: string): SafeHtml {
  return html`<section id="totp">
          <h2>${t('account.authenticatorApp')}</h2>
          ${
            methods.totp
              ? html`<p>${t('account.security.appSet')}</p>
                ${enrolOnly ? '' : html`<form method="post" action="/account/totp/remove">${csrfField(csrf)}<button class="danger" type="submit" id="remove-totp">${t('account.security.removeApp')}</button></form>`}`
              : html`<p class="muted">${t('account.security.appHint')}</p>
                <form method="post" action="/account/totp/start">${csrfField(csrf)}<button type="submit" id="start-totp">${t('account.security.startApp')}</button></form>`
          }
        </section>`;
}

function passkeysBlock({ passkeys, enrolOnly, t, fmt }: SecurityFacts, csrf: string): SafeHtml {
  return html`<section id="passkeys">
          <h2>${t('account.passkeys')}</h2>
          ${
            passkeys.length === 0
              ? html`<p class="muted">${t('account.security.noPasskeys')}</p>`
              : html`<table><thead><tr><th>${t('common.name')}</th><th>${t('account.security.added')}</th><th>${t('account.security.lastUsed')}</th><th></th></tr></thead><tbody>
                ${passkeys.map(
                  (passkey) => html`<tr class="passkey">
                    <td>${
                      enrolOnly
                        ? passkey.name
                        : html`<form method="post" action="/account/passkeys/${passkey.id}/rename" class="row">${csrfField(csrf)}
                      <input type="text" name="name" value="${passkey.name}" maxlength="64" aria-label="${t('account.security.passkeyName')}"><button class="secondary" type="submit">${t('account.security.rename')}</button></form>`
                    }</td>
                    <td>${when(passkey.createdAt, 'day', fmt)}</td>
                    <td>${passkey.lastUsedAt ? when(passkey.lastUsedAt, 'minute', fmt) : t('common.never')}</td>
                    <td>${enrolOnly ? '' : html`<form method="post" action="/account/passkeys/${passkey.id}/remove" class="inline">${csrfField(csrf)}<button class="danger" type="submit">${t('common.remove')}</button></form>`}</td>
                  </tr>`,
                )}</tbody></table>`
          }
          <div class="row">
            <div><label for="passkey-name">${t('account.security.newPasskeyName')}</label>
            <input type="text" id="passkey-name" maxlength="64" value="${t('account.security.defaultPasskeyName')}"></div>
            <div><button type="button" id="add-passkey" data-passkey="register"
              data-options="/account/passkeys/registration-options" data-verify="/account/passkeys/registration"
              data-unsupported="${t('account.passkey.unsupported')}" data-failed="${t('account.passkey.failed')}">${t('account.security.addPasskey')}</button></div>
          </div>
        </section>`;
}

function recoveryBlock(recoveryLeft: number, csrf: string, t: Translator): SafeHtml {
  return html`<section id="recovery-codes">
              <h2>${t('account.recoveryCodes')}</h2>
              <p>${t.plural('account.security.unused', recoveryLeft)}</p>
              <form method="post" action="/account/recovery-codes">${csrfField(csrf)}<button type="submit" class="secondary" id="regenerate-recovery">${recoveryLeft > 0 ? t('account.security.replaceCodes') : t('account.security.createCodes')}</button></form>
            </section>`;
}

/** Fresh recovery codes, shown once. */
export function recoveryCodesView(codes: readonly string[], t: Translator): SafeHtml {
  return html`<section id="new-recovery-codes"><h2>${t('account.security.newCodes')}</h2>
      <p><strong>${t('account.security.saveNow')}</strong> ${t('account.security.eachOnce')}</p>
      <ul class="codes">${codes.map((code) => html`<li class="recovery-code">${code}</li>`)}</ul></section>`;
}

/** The QR code, the key by hand, the link, and the form for the first code. */
export async function totpConfirmView(
  secret: string,
  uri: string,
  csrf: string,
  t: Translator,
): Promise<SafeHtml> {
  return html`<section>
          <p>${t('account.security.scan')}</p>
          <div class="qr">${await qrCodeSvg(uri)}</div>
          <p class="muted">${t('account.security.cannotScan')} <span class="secret" id="totp-secret" translate="no">${secret}</span></p>
          <p class="muted">${t('account.security.orOpen')} <a id="totp-uri" href="${uri}" translate="no">${uri}</a></p>
          <form method="post" action="/account/totp/confirm">${csrfField(csrf)}
            <input type="hidden" name="uri" value="${uri}">
            <label for="code">${t('account.security.codeFromApp')}</label>
            <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
            <button type="submit" id="confirm-totp">${t('account.security.confirm')}</button>
          </form>
        </section>`;
}
