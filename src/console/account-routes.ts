import { type Context, Hono } from 'hono';
import type { WebSession } from '../identity/index.js';
import { ownerActor } from './actor.js';
import { appPasswordRoutes } from './app-password-routes.js';
import { signInsBlock } from './chart-blocks.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { gate } from './gate.js';
import { html } from './html.js';
import { csrfField, layout } from './layout.js';
import { recordSecondFactor } from './password-step.js';
import { recentSignIns, signInTable } from './sign-in-log.js';

type Notice = { kind: 'info' | 'ok' | 'error'; text: string } | null;

/** Overview, password change and recent sign-ins. */
export function accountRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();
  const csrfOf = (c: Context<ConsoleEnv>) => deps.identity.webSessions.csrfTokenFor(c.var.sessionToken!);

  routes.get('/account', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const csrf = csrfOf(c);
    const [methods, recoveryLeft] = await Promise.all([
      deps.identity.mfa.methods(session.user.id),
      deps.identity.mfa.countUnusedRecoveryCodes(session.user.id),
    ]);
    const mfaOn = methods.totp || methods.passkeys > 0;
    return c.html(
      layout(
        { title: 'Your account', csrfToken: csrf, signedIn: true, current: c.req.path },
        html`<section>
          <p>Signed in as <strong id="account-address">${session.user.address}</strong>.</p>
          <p>Second factor: <strong id="mfa-status">${mfaOn ? 'on' : 'off'}</strong>
            (${methods.totp ? 'authenticator app, ' : ''}${methods.passkeys} passkey${methods.passkeys === 1 ? '' : 's'}, ${recoveryLeft} recovery codes).
            <a href="/account/security">Manage sign-in methods</a></p>
          <p class="muted">Mail apps (Thunderbird, phone mail) sign in with an <a href="/account/app-passwords">app password</a>, not your account password.</p>
          ${session.user.role === 'admin' ? html`<p><a href="/admin" id="admin-link">Administration</a>: restricted senders, alerts, securing an account.</p>` : ''}
        </section>
        <section><h2>Sessions</h2>
          <p>Signed in somewhere you should not be? End every session of this account, including this one.</p>
          <form method="post" action="/account/sign-out-everywhere">${csrfField(csrf)}<button class="danger" type="submit" id="sign-out-everywhere">Sign out everywhere</button></form>
        </section>`,
      ),
    );
  });

  const passwordPage = async (
    c: Context<ConsoleEnv>,
    session: WebSession,
    notice: Notice,
    status: 200 | 400 | 401 = 200,
  ) => {
    const csrf = csrfOf(c);
    const methods = await deps.identity.mfa.methods(session.user.id);
    const temporary = session.user.must_change_password === 1;
    return c.html(
      layout(
        {
          title: 'Change password',
          csrfToken: csrf,
          signedIn: !temporary,
          current: c.req.path,
          notice:
            notice ??
            (temporary
              ? {
                  kind: 'info',
                  text: 'Your password was reset by an administrator. Choose a new one to continue.',
                }
              : null),
        },
        html`<section>
          <form method="post" action="/account/password">${csrfField(csrf)}
            ${
              temporary
                ? ''
                : html`<label for="current">Current password</label>
                  <input type="password" id="current" name="current" autocomplete="current-password">
                  ${
                    methods.totp
                      ? html`<p class="muted">Forgot it? Leave it empty and give a code from your authenticator app or a recovery code instead.</p>
                        <label for="mfa-code">Authenticator or recovery code</label>
                        <input type="text" id="mfa-code" name="mfaCode" autocomplete="off">`
                      : html`<p class="muted">Forgot it? Leave it empty and give one of your recovery codes instead.</p>
                        <label for="mfa-code">Recovery code</label>
                        <input type="text" id="mfa-code" name="mfaCode" autocomplete="off">`
                  }`
            }
            <label for="new">New password (at least 12 characters)</label>
            <input type="password" id="new" name="new" autocomplete="new-password" required minlength="12">
            <label for="confirm">New password again</label>
            <input type="password" id="confirm" name="confirm" autocomplete="new-password" required minlength="12">
            <button type="submit" id="change-password">Change password</button>
          </form>
          <p class="muted">Your other sessions end. App passwords keep working; revoke them separately.</p>
        </section>`,
      ),
      status,
    );
  };

  routes.get('/account/password', async (c) => {
    const session = gate(c, { passwordChange: true });
    if (session instanceof Response) return session;
    return passwordPage(c, session, null);
  });

  routes.post('/account/password', async (c) => {
    const session = gate(c, { passwordChange: true });
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
    if (field('new') !== field('confirm'))
      return passwordPage(c, session, { kind: 'error', text: 'the two new passwords differ' }, 400);
    const actor = ownerActor(c, session.user.address);
    let proof: { kind: 'current-password'; password: string } | { kind: 'second-factor'; method: string };
    if (session.user.must_change_password === 1) {
      // Just signed in with the temporary password (and any second factor) in this session.
      proof = { kind: 'second-factor', method: 'temporary-password' };
    } else if (field('current')) proof = { kind: 'current-password', password: field('current') };
    else if (field('mfaCode')) {
      if (await deps.identity.mfa.secondFactorThrottled(session.user.id))
        return passwordPage(
          c,
          session,
          { kind: 'error', text: 'too many wrong codes; wait 15 minutes' },
          401,
        );
      const code = field('mfaCode');
      const viaTotp =
        /^\s*\d{3}\s?\d{3}\s*$/.test(code) && (await deps.identity.mfa.verifyTotp(session.user.id, code));
      const viaRecovery = !viaTotp && (await deps.identity.mfa.useRecoveryCode(session.user, code, actor));
      if (!viaTotp && !viaRecovery) {
        await recordSecondFactor(deps, {
          userId: session.user.id,
          method: /^\s*\d{3}\s?\d{3}\s*$/.test(code) ? 'totp' : 'recovery-code',
          ok: false,
          reason: 'password-change-code-wrong',
          clientIp: c.var.clientIp,
          clientInfo: c.req.header('user-agent') ?? null,
          sessionId: c.var.requestId,
        });
        return passwordPage(
          c,
          session,
          { kind: 'error', text: 'that code is not right, or it was used already' },
          401,
        );
      }
      proof = { kind: 'second-factor', method: viaTotp ? 'totp' : 'recovery-code' };
    } else
      return passwordPage(
        c,
        session,
        { kind: 'error', text: 'give your current password, or a second-factor code' },
        400,
      );
    const outcome = await deps.identity.changeOwnPassword(
      { user: session.user, newPassword: field('new'), proof, keepSessionId: session.id },
      actor,
    );
    if (!outcome.ok)
      return passwordPage(
        c,
        session,
        { kind: 'error', text: outcome.message },
        outcome.code === 'wrong-password' ? 401 : 400,
      );
    const updated = { ...session, user: { ...session.user, must_change_password: 0 } };
    return passwordPage(c, updated, {
      kind: 'ok',
      text: 'Your password was changed; your other sessions ended.',
    });
  });

  routes.get('/account/sign-ins', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const entries = await recentSignIns(deps, session.user);
    return c.html(
      layout(
        { title: 'Recent sign-ins', csrfToken: csrfOf(c), signedIn: true, current: c.req.path },
        html`<section>
          ${await signInsBlock(c, deps, session.user.id)}
          ${signInTable(entries)}
          <p class="muted">Not you? Change your password and sign out everywhere.</p>
        </section>`,
      ),
    );
  });

  routes.route('/', appPasswordRoutes(deps));
  return routes;
}
