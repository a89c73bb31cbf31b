import { randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import type { WebSessionStage } from '../identity/index.js';
import { ownerActor } from './actor.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { clearCookie, readCookie, writeCookie } from './cookies.js';
import { gate } from './gate.js';
import { layout } from './layout.js';
import { passwordStep, recordSecondFactor } from './password-step.js';
import { jsonRefusal } from './refusals.js';
import { secondFactorView, signInView } from './sign-in-views.js';

/** Where a session in a given state belongs. */
export function homeOf(stage: WebSessionStage, mustChangePassword: boolean): string {
  if (stage === 'password') return '/account/second-factor';
  if (stage === 'enrol') return '/account/security';
  return mustChangePassword ? '/account/password' : '/account';
}

export function signInRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { names } = deps;
  const sessions = deps.identity.webSessions;
  const routes = new Hono<ConsoleEnv>();

  const signInPage = (
    c: Context<ConsoleEnv>,
    status: 200 | 401 | 403,
    notice?: { kind: 'error' | 'info'; text: string },
  ) => {
    // The pre-session token binds the sign-in form to this browser (login CSRF).
    let preSession = readCookie(c, names.preSession);
    if (!preSession) {
      preSession = randomBytes(32).toString('base64url');
      writeCookie(c, names, names.preSession, preSession);
    }
    const t = c.var.t;
    return c.html(
      layout(
        { title: t('account.signIn.title'), csrfToken: null, signedIn: false, notice: notice ?? null, t },
        signInView(sessions.csrfTokenFor(preSession), t),
      ),
      status,
    );
  };

  routes.get('/account/sign-in', (c) => {
    const session = c.var.session;
    if (session) return c.redirect(homeOf(session.stage, session.user.must_change_password === 1), 303);
    return signInPage(c, 200);
  });

  routes.post('/account/sign-in', async (c) => {
    const body = await c.req.parseBody();
    const login = typeof body['login'] === 'string' ? body['login'].slice(0, 320) : '';
    const secret = typeof body['password'] === 'string' ? body['password'].slice(0, 1024) : '';
    if (!login || !secret)
      return signInPage(c, 401, { kind: 'error', text: c.var.t('account.signIn.missing') });
    const userAgent = c.req.header('user-agent') ?? null;
    const outcome = await passwordStep(deps, {
      t: c.var.t,
      login,
      secret,
      clientIp: c.var.clientIp,
      clientInfo: userAgent,
      sessionId: c.var.requestId,
    });
    if (!outcome.ok) return signInPage(c, 401, { kind: 'error', text: outcome.message });
    const step = await deps.identity.mfa.webSecondStep(outcome.userId, outcome.risk);
    // Told by the refusal's code, in the reader's language (the domain's message is English).
    if (step.next === 'refuse')
      return signInPage(c, 403, {
        kind: 'error',
        text: c.var.t(
          step.code === 'mfa-registration-overdue'
            ? 'account.signIn.mfaOverdue'
            : 'account.signIn.mfaUnavailable',
        ),
      });
    const stage: WebSessionStage =
      step.next === 'second-factor' ? 'password' : step.next === 'enrol-now' ? 'enrol' : 'complete';
    if (c.var.session) await sessions.revoke(c.var.session.id);
    const created = await sessions.create({
      userId: outcome.userId,
      stage,
      secondFactor: stage === 'complete' ? 'password' : null,
      clientIp: c.var.clientIp,
      userAgent,
    });
    writeCookie(c, names, names.session, created.token);
    clearCookie(c, names, names.preSession);
    if (step.next === 'complete' && step.enrolBy !== null)
      return c.redirect('/account/security?register=1', 303);
    return c.redirect(
      stage === 'password' ? '/account/second-factor' : stage === 'enrol' ? '/account/security' : '/account',
      303,
    );
  });

  routes.route('/', secondFactorRoutes(deps));

  routes.post('/account/sign-out', async (c) => {
    const session = c.var.session;
    if (session) {
      await sessions.revoke(session.id);
      await deps.audit.append({
        operation: 'SignOut',
        result: 'success',
        mailbox: session.user.address,
        ...ownerActor(c, session.user.address),
      });
    }
    clearCookie(c, names, names.session);
    return c.redirect('/account/sign-in', 303);
  });

  routes.post('/account/sign-out-everywhere', async (c) => {
    const session = gate(c, { passwordChange: true });
    if (session instanceof Response) return session;
    await sessions.signOutEverywhere(session.user, ownerActor(c, session.user.address));
    clearCookie(c, names, names.session);
    return c.redirect('/account/sign-in', 303);
  });

  return routes;
}

/**
 * The second step of a sign-in that needs one: a code from the app, a recovery code or a passkey,
 * throttled per account; a success renews the session token, a failure is recorded in the sign-in log.
 */
function secondFactorRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { names } = deps;
  const sessions = deps.identity.webSessions;
  const routes = new Hono<ConsoleEnv>();

  const secondFactorPage = async (c: Context<ConsoleEnv>, status: 200 | 401 | 429, error?: string) => {
    const session = c.var.session!;
    const methods = await deps.identity.mfa.methods(session.user.id);
    const csrf = sessions.csrfTokenFor(c.var.sessionToken!);
    const t = c.var.t;
    return c.html(
      layout(
        {
          t,
          title: t('account.secondFactor.title'),
          csrfToken: csrf,
          signedIn: false,
          passkeys: methods.passkeys > 0,
          notice: error
            ? { kind: 'error', text: error }
            : {
                kind: 'info',
                text: t('account.secondFactor.signingInAs', { address: session.user.address }),
              },
        },
        secondFactorView(methods, csrf, t),
      ),
      status,
    );
  };

  const needsSecondFactor = (c: Context<ConsoleEnv>) => c.var.session?.stage === 'password';

  routes.get('/account/second-factor', (c) => {
    if (!c.var.session) return c.redirect('/account/sign-in', 303);
    if (!needsSecondFactor(c))
      return c.redirect(homeOf(c.var.session.stage, c.var.session.user.must_change_password === 1), 303);
    return secondFactorPage(c, 200);
  });

  /** The second factor was given: a fresh session token replaces the half-signed-in one. */
  const complete = async (c: Context<ConsoleEnv>, method: string) => {
    const session = c.var.session!;
    await recordSecondFactor(deps, {
      userId: session.user.id,
      method,
      ok: true,
      reason: 'signed-in',
      clientIp: c.var.clientIp,
      clientInfo: c.req.header('user-agent') ?? null,
      sessionId: c.var.requestId,
    });
    const renewed = await sessions.renew(session, 'complete', method, c.req.header('user-agent') ?? null);
    writeCookie(c, names, names.session, renewed.token);
    return homeOf('complete', session.user.must_change_password === 1);
  };
  const failed = (c: Context<ConsoleEnv>, method: string) =>
    recordSecondFactor(deps, {
      userId: c.var.session!.user.id,
      method,
      ok: false,
      reason: method === 'passkey' ? 'passkey-refused' : 'wrong-or-used-code',
      clientIp: c.var.clientIp,
      clientInfo: c.req.header('user-agent') ?? null,
      sessionId: c.var.requestId,
    });

  const throttled = async (c: Context<ConsoleEnv>) =>
    deps.identity.mfa.secondFactorThrottled(c.var.session!.user.id);

  routes.post('/account/second-factor/totp', async (c) => {
    if (!needsSecondFactor(c)) return c.redirect('/account/sign-in', 303);
    if (await throttled(c)) return secondFactorPage(c, 429, c.var.t('account.secondFactor.throttled'));
    const body = await c.req.parseBody();
    const code = typeof body['code'] === 'string' ? body['code'] : '';
    if (await deps.identity.mfa.verifyTotp(c.var.session!.user.id, code))
      return c.redirect(await complete(c, 'totp'), 303);
    await failed(c, 'totp');
    return secondFactorPage(c, 401, c.var.t('account.secondFactor.wrongCode'));
  });

  routes.post('/account/second-factor/recovery', async (c) => {
    if (!needsSecondFactor(c)) return c.redirect('/account/sign-in', 303);
    if (await throttled(c)) return secondFactorPage(c, 429, c.var.t('account.secondFactor.throttled'));
    const body = await c.req.parseBody();
    const code = typeof body['code'] === 'string' ? body['code'] : '';
    const user = c.var.session!.user;
    if (await deps.identity.mfa.useRecoveryCode(user, code, ownerActor(c, user.address))) {
      const home = await complete(c, 'recovery-code');
      const left = await deps.identity.mfa.countUnusedRecoveryCodes(user.id);
      return c.redirect(left <= 3 ? `/account/security?recovery-left=${left}` : home, 303);
    }
    await failed(c, 'recovery-code');
    return secondFactorPage(c, 401, c.var.t('account.secondFactor.wrongRecovery'));
  });

  routes.post('/account/second-factor/passkey/options', async (c) => {
    if (!needsSecondFactor(c)) return jsonRefusal(c, 401, c.var.t('account.signIn.passwordFirst'));
    const options = await deps.identity.mfa.passkeyAuthenticationOptions(
      c.var.session!.id,
      c.var.session!.user.id,
      c.var.rp,
    );
    return c.json(options);
  });

  routes.post('/account/second-factor/passkey', async (c) => {
    if (!needsSecondFactor(c)) return jsonRefusal(c, 401, c.var.t('account.signIn.passwordFirst'));
    if (await throttled(c)) return jsonRefusal(c, 429, c.var.t('account.secondFactor.throttled'));
    const body = (await c.req.json().catch(() => null)) as { response?: unknown } | null;
    const outcome = await deps.identity.mfa.verifyPasskeyAuthentication({
      sessionId: c.var.session!.id,
      userId: c.var.session!.user.id,
      rp: c.var.rp,
      response: body?.response,
    });
    if (!outcome.ok) {
      await failed(c, 'passkey');
      return jsonRefusal(c, 401, c.var.t(`account.mfa.${outcome.code}`));
    }
    return c.json({ redirect: await complete(c, 'passkey') });
  });

  return routes;
}
