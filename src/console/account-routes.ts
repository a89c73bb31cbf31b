import { type Context, Hono } from 'hono';
import { isLocale, LOCALES, type Translator } from '../i18n/index.js';
import type { WebSession } from '../identity/index.js';
import { ownerActor } from './actor.js';
import { appPasswordRoutes } from './app-password-routes.js';
import { signInsBlock } from './chart-blocks.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { gate } from './gate.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, htmlMessage, layout } from './layout.js';
import { recordSecondFactor } from './password-step.js';
import { refusePage } from './refusals.js';
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
    const t = c.var.t;
    const counts = [
      ...(methods.totp ? [t('account.overview.app')] : []),
      t.plural('account.overview.passkeys', methods.passkeys),
      t.plural('account.overview.recoveryCodes', recoveryLeft),
    ].join(', ');
    const notice =
      c.req.query('language') === 'saved' ? { kind: 'ok' as const, text: t('account.language.saved') } : null;
    return c.html(
      layout(
        { t, title: t('common.yourAccount'), csrfToken: csrf, signedIn: true, notice, current: c.req.path },
        html`<section>
          <p>${htmlMessage(t('account.overview.signedInAs'), {
            address: html`<strong id="account-address" translate="no">${session.user.address}</strong>`,
          })}</p>
          <p>${htmlMessage(t('account.overview.secondFactor'), {
            state: html`<strong id="mfa-status">${mfaOn ? t('account.overview.on') : t('account.overview.off')}</strong>`,
          })}
            (${counts}).
            <a href="/account/security">${t('account.overview.manage')}</a></p>
          <p class="muted">${htmlMessage(t('account.overview.mailApps'), {
            link: html`<a href="/account/app-passwords">${t('account.overview.appPassword')}</a>`,
          })}</p>
          ${
            session.user.role === 'admin'
              ? html`<p>${htmlMessage(t('account.overview.admin'), {
                  link: html`<a href="/admin" id="admin-link">${t('account.overview.administration')}</a>`,
                })}</p>`
              : ''
          }
        </section>
        ${languageForm(t, csrf, session.user.locale ?? null)}
        <section><h2>${t('account.overview.sessions')}</h2>
          <p>${t('account.overview.sessionsText')}</p>
          <form method="post" action="/account/sign-out-everywhere">${csrfField(csrf)}<button class="danger" type="submit" id="sign-out-everywhere">${t('account.overview.signOutEverywhere')}</button></form>
        </section>`,
      ),
    );
  });

  // The user's own language for these pages; "automatic" (null) follows the browser, then the org.
  routes.post('/account/language', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const chosen = typeof body['locale'] === 'string' ? body['locale'] : '';
    if (chosen !== '' && !isLocale(chosen)) return refusePage(c, 400, c.var.t('account.language.invalid'));
    const outcome = await deps.directory.updateUser(
      session.user.id,
      { locale: chosen === '' ? null : chosen },
      ownerActor(c, session.user.address),
    );
    if (!outcome.ok) return refusePage(c, 400, c.var.t('account.userGone'));
    return c.redirect('/account?language=saved', 303);
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
    const t = c.var.t;
    return c.html(
      layout(
        {
          t,
          title: t('account.password.title'),
          csrfToken: csrf,
          signedIn: !temporary,
          current: c.req.path,
          notice: notice ?? (temporary ? { kind: 'info', text: t('account.password.resetByAdmin') } : null),
        },
        html`<section>
          <form method="post" action="/account/password">${csrfField(csrf)}
            ${
              temporary
                ? ''
                : html`<label for="current">${t('account.password.current')}</label>
                  <input type="password" id="current" name="current" autocomplete="current-password">
                  ${
                    methods.totp
                      ? html`<p class="muted">${t('account.password.forgotTotp')}</p>
                        <label for="mfa-code">${t('account.password.codeLabel')}</label>
                        <input type="text" id="mfa-code" name="mfaCode" autocomplete="off">`
                      : html`<p class="muted">${t('account.password.forgotRecovery')}</p>
                        <label for="mfa-code">${t('account.recoveryCode')}</label>
                        <input type="text" id="mfa-code" name="mfaCode" autocomplete="off">`
                  }`
            }
            <label for="new">${t('account.password.new')}</label>
            <input type="password" id="new" name="new" autocomplete="new-password" required minlength="12">
            <label for="confirm">${t('account.password.confirm')}</label>
            <input type="password" id="confirm" name="confirm" autocomplete="new-password" required minlength="12">
            <button type="submit" id="change-password">${t('account.password.title')}</button>
          </form>
          <p class="muted">${t('account.password.othersEnd')}</p>
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
      return passwordPage(c, session, { kind: 'error', text: c.var.t('account.password.differ') }, 400);
    const actor = ownerActor(c, session.user.address);
    let proof: { kind: 'current-password'; password: string } | { kind: 'second-factor'; method: string };
    if (session.user.must_change_password === 1) {
      // Just signed in with the temporary password (and any second factor) in this session.
      proof = { kind: 'second-factor', method: 'temporary-password' };
    } else if (field('current')) proof = { kind: 'current-password', password: field('current') };
    else if (field('mfaCode')) {
      if (await deps.identity.mfa.secondFactorThrottled(session.user.id))
        return passwordPage(c, session, { kind: 'error', text: c.var.t('account.password.throttled') }, 401);
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
        return passwordPage(c, session, { kind: 'error', text: c.var.t('account.password.wrongCode') }, 401);
      }
      proof = { kind: 'second-factor', method: viaTotp ? 'totp' : 'recovery-code' };
    } else
      return passwordPage(c, session, { kind: 'error', text: c.var.t('account.password.proofNeeded') }, 400);
    const outcome = await deps.identity.changeOwnPassword(
      { user: session.user, newPassword: field('new'), proof, keepSessionId: session.id },
      actor,
    );
    if (!outcome.ok)
      return passwordPage(
        c,
        session,
        {
          kind: 'error',
          // Told by the refusal's code in the reader's language (the domain's message is English).
          text: c.var.t(
            outcome.code === 'wrong-password'
              ? 'account.password.wrongPassword'
              : outcome.code === 'weak-password'
                ? 'account.password.weak'
                : 'account.userGone',
          ),
        },
        outcome.code === 'wrong-password' ? 401 : 400,
      );
    const updated = { ...session, user: { ...session.user, must_change_password: 0 } };
    return passwordPage(c, updated, {
      kind: 'ok',
      text: c.var.t('account.password.changed'),
    });
  });

  routes.get('/account/sign-ins', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const entries = await recentSignIns(deps, session.user);
    const { t, fmt } = c.var;
    return c.html(
      layout(
        { t, title: t('nav.account.signIns'), csrfToken: csrfOf(c), signedIn: true, current: c.req.path },
        html`<section>
          ${await signInsBlock(c, deps, session.user.id)}
          ${signInTable(entries, t, fmt, new Date(deps.clock.nowMs()))}
          <p class="muted">${t('account.signIns.notYou')}</p>
        </section>`,
      ),
    );
  });

  routes.route('/', appPasswordRoutes(deps));
  return routes;
}

/** The language form on the overview: automatic (browser, then organization) or one language. */
function languageForm(t: Translator, csrf: string, chosen: string | null): SafeHtml {
  return html`<section id="language"><h2>${t('account.language.title')}</h2>
    <form method="post" action="/account/language">${csrfField(csrf)}
      <label for="locale">${t('account.language.label')}</label>
      <select id="locale" name="locale">
        <option value="" ${chosen === null ? html`selected` : ''}>${t('account.language.auto')}</option>
        ${LOCALES.map(
          (locale) =>
            html`<option value="${locale}" lang="${locale}" ${chosen === locale ? html`selected` : ''}>${t(`account.language.${locale}`)}</option>`,
        )}
      </select>
      <button type="submit" class="secondary" id="save-language">${t('account.language.save')}</button>
    </form></section>`;
}
