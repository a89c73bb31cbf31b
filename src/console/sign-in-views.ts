import type { Translator } from '../i18n/index.js';
import type { MfaMethods } from '../identity/index.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';

/** The password form; its CSRF token comes from the pre-session cookie. */
export function signInView(csrf: string, t: Translator): SafeHtml {
  return html`<section>
          <form method="post" action="/account/sign-in">
            ${csrfField(csrf)}
            <label for="login">${t('account.signIn.email')}</label>
            <input type="email" id="login" name="login" autocomplete="username" required autofocus>
            <label for="password">${t('account.signIn.password')}</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <button type="submit" id="sign-in">${t('account.signIn.submit')}</button>
          </form>
        </section>`;
}

/** The second step: a passkey, a code from the app (each when registered), a recovery code, or cancel. */
export function secondFactorView(
  methods: Pick<MfaMethods, 'totp' | 'passkeys'>,
  csrf: string,
  t: Translator,
): SafeHtml {
  return html`${
    methods.passkeys > 0
      ? html`<section><h2>${t('account.secondFactor.usePasskey')}</h2>
              <button type="button" id="use-passkey" data-passkey="authenticate"
                data-options="/account/second-factor/passkey/options" data-verify="/account/second-factor/passkey"
                data-unsupported="${t('account.passkey.unsupported')}" data-failed="${t('account.passkey.failed')}">${t('account.secondFactor.usePasskey')}</button>
            </section>`
      : ''
  }
        ${
          methods.totp
            ? html`<section><h2>${t('account.authenticatorApp')}</h2>
              <form method="post" action="/account/second-factor/totp">${csrfField(csrf)}
                <label for="code">${t('account.secondFactor.code')}</label>
                <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required autofocus>
                <button type="submit" id="verify-code">${t('account.secondFactor.verify')}</button>
              </form></section>`
            : ''
        }
        <section><h2>${t('account.recoveryCode')}</h2>
          <form method="post" action="/account/second-factor/recovery">${csrfField(csrf)}
            <label for="recovery">${t('account.secondFactor.recoveryLabel')}</label>
            <input type="text" id="recovery" name="code" autocomplete="off" required>
            <button type="submit" class="secondary" id="use-recovery">${t('account.secondFactor.useRecovery')}</button>
          </form>
        </section>
        <form method="post" action="/account/sign-out">${csrfField(csrf)}<button class="secondary" type="submit" id="cancel-sign-in">${t('common.cancel')}</button></form>`;
}
