import type { MfaMethods } from '../identity/index.js';
import { html, type SafeHtml } from './html.js';
import { csrfField } from './layout.js';

/** The password form; its CSRF token comes from the pre-session cookie. */
export function signInView(csrf: string): SafeHtml {
  return html`<section>
          <form method="post" action="/account/sign-in">
            ${csrfField(csrf)}
            <label for="login">Email address</label>
            <input type="email" id="login" name="login" autocomplete="username" required autofocus>
            <label for="password">Password</label>
            <input type="password" id="password" name="password" autocomplete="current-password" required>
            <button type="submit" id="sign-in">Sign in</button>
          </form>
        </section>`;
}

/** The second step: a passkey, a code from the app (each when registered), a recovery code, or cancel. */
export function secondFactorView(methods: Pick<MfaMethods, 'totp' | 'passkeys'>, csrf: string): SafeHtml {
  return html`${
    methods.passkeys > 0
      ? html`<section><h2>Use a passkey</h2>
              <button type="button" id="use-passkey" data-passkey="authenticate"
                data-options="/account/second-factor/passkey/options" data-verify="/account/second-factor/passkey">Use a passkey</button>
            </section>`
      : ''
  }
        ${
          methods.totp
            ? html`<section><h2>Authenticator app</h2>
              <form method="post" action="/account/second-factor/totp">${csrfField(csrf)}
                <label for="code">6-digit code</label>
                <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required autofocus>
                <button type="submit" id="verify-code">Verify</button>
              </form></section>`
            : ''
        }
        <section><h2>Recovery code</h2>
          <form method="post" action="/account/second-factor/recovery">${csrfField(csrf)}
            <label for="recovery">One of your recovery codes</label>
            <input type="text" id="recovery" name="code" autocomplete="off" required>
            <button type="submit" class="secondary" id="use-recovery">Use recovery code</button>
          </form>
        </section>
        <form method="post" action="/account/sign-out">${csrfField(csrf)}<button class="secondary" type="submit">Cancel</button></form>`;
}
