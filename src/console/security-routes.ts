import { type Context, Hono } from 'hono';
import type { MessageKey } from '../i18n/index.js';
import type { MfaFailure, WebSession } from '../identity/index.js';
import { ownerActor } from './actor.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { writeCookie } from './cookies.js';
import { gate } from './gate.js';
import type { SafeHtml } from './html.js';
import { layout } from './layout.js';
import { jsonRefusal } from './refusals.js';
import {
  type Notice,
  recoveryCodesView,
  requirementNotice,
  securityView,
  totpConfirmView,
} from './security-views.js';

/** Sign-in methods: authenticator app (TOTP), passkeys, recovery codes. */
export function securityRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const pages = securityPages(deps);
  const routes = new Hono<ConsoleEnv>();

  routes.get('/account/security', async (c) => {
    const session = gate(c, { enrol: true });
    if (session instanceof Response) return session;
    const left = c.req.query('recovery-left');
    const count = left !== undefined && /^\d{1,3}$/.test(left) ? Number(left) : null;
    const t = c.var.t;
    return pages.securityPage(
      c,
      session,
      count === 0
        ? { kind: 'info', text: t('account.security.recoveryNone') }
        : count !== null
          ? { kind: 'info', text: t.plural('account.security.recoveryLeft', count) }
          : null,
    );
  });

  routes.route('/', totpRoutes(deps, pages));
  routes.route('/', passkeyRoutes(deps, pages));
  routes.route('/', recoveryCodeRoutes(deps, pages));
  return routes;
}

type SecurityPages = ReturnType<typeof securityPages>;

/** The pages the sign-in-method routes answer with, and the step that completes an enrolling session. */
function securityPages(deps: ConsoleDeps) {
  const { names } = deps;
  const mfa = deps.identity.mfa;
  const csrfOf = (c: Context<ConsoleEnv>) => deps.identity.webSessions.csrfTokenFor(c.var.sessionToken!);

  /** A session that had to enrol is complete once it has a second factor: renew its token. */
  const finishEnrolment = async (
    c: Context<ConsoleEnv>,
    session: WebSession,
    method: string,
  ): Promise<WebSession> => {
    if (session.stage !== 'enrol') return session;
    const renewed = await deps.identity.webSessions.renew(
      session,
      'complete',
      method,
      c.req.header('user-agent') ?? null,
    );
    writeCookie(c, names, names.session, renewed.token);
    const complete: WebSession = { ...session, id: renewed.id, stage: 'complete', secondFactor: method };
    c.set('sessionToken', renewed.token);
    c.set('session', complete);
    return complete;
  };

  const securityPage = async (
    c: Context<ConsoleEnv>,
    session: WebSession,
    notice: Notice,
    extra?: SafeHtml,
    status: 200 | 400 = 200,
  ) => {
    const csrf = csrfOf(c);
    const [methods, passkeys, recoveryLeft, requirement] = await Promise.all([
      mfa.methods(session.user.id),
      mfa.listPasskeys(session.user.id),
      mfa.countUnusedRecoveryCodes(session.user.id),
      mfa.requirement(session.user),
    ]);
    const enrolOnly = session.stage === 'enrol';
    const { t, fmt } = c.var;
    return c.html(
      layout(
        {
          t,
          title: t('nav.account.security'),
          csrfToken: csrf,
          signedIn: !enrolOnly,
          current: c.req.path,
          passkeys: true,
          notice: notice ?? requirementNotice(enrolOnly, requirement, t, fmt),
        },
        securityView({ methods, passkeys, recoveryLeft, enrolOnly, t, fmt }, csrf, extra),
      ),
      status,
    );
  };

  /** The sign-in methods page after a change: its success in words, or the refusal with 400. */
  const afterChange = (
    c: Context<ConsoleEnv>,
    session: WebSession,
    outcome: { ok: true } | MfaFailure,
    done: MessageKey,
  ) =>
    securityPage(
      c,
      session,
      outcome.ok ? { kind: 'ok', text: c.var.t(done) } : { kind: 'error', text: mfaRefusal(c, outcome) },
      undefined,
      outcome.ok ? 200 : 400,
    );

  const totpConfirmPage = async (
    c: Context<ConsoleEnv>,
    secret: string,
    uri: string,
    error: string | null,
  ) => {
    const csrf = csrfOf(c);
    const t = c.var.t;
    return c.html(
      layout(
        {
          t,
          title: t('account.security.startApp'),
          csrfToken: csrf,
          signedIn: c.var.session?.stage === 'complete',
          notice: error ? { kind: 'error', text: error } : null,
        },
        await totpConfirmView(secret, uri, csrf, t),
      ),
      error ? 400 : 200,
    );
  };

  return { finishEnrolment, securityPage, afterChange, totpConfirmPage };
}

/** The authenticator app: start (QR code), confirm with a first code, remove. */
function totpRoutes(deps: ConsoleDeps, pages: SecurityPages): Hono<ConsoleEnv> {
  const mfa = deps.identity.mfa;
  const routes = new Hono<ConsoleEnv>();

  routes.post('/account/totp/start', async (c) => {
    const session = gate(c, { enrol: true });
    if (session instanceof Response) return session;
    const started = await mfa.startTotpEnrolment(session.user);
    if (!started.ok)
      return pages.securityPage(c, session, { kind: 'error', text: mfaRefusal(c, started) }, undefined, 400);
    return pages.totpConfirmPage(c, started.secret, started.uri, null);
  });

  routes.post('/account/totp/confirm', async (c) => {
    const session = gate(c, { enrol: true });
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const code = typeof body['code'] === 'string' ? body['code'] : '';
    const actor = ownerActor(c, session.user.address);
    const confirmed = await mfa.confirmTotp(session.user, code, actor);
    if (!confirmed.ok) {
      const uri =
        typeof body['uri'] === 'string' && body['uri'].startsWith('otpauth://') ? body['uri'] : null;
      const secret = uri ? (new URL(uri).searchParams.get('secret') ?? '') : '';
      if (confirmed.code === 'bad-code' && uri)
        return pages.totpConfirmPage(c, secret, uri, mfaRefusal(c, confirmed));
      return pages.securityPage(
        c,
        session,
        { kind: 'error', text: mfaRefusal(c, confirmed) },
        undefined,
        400,
      );
    }
    const current = await pages.finishEnrolment(c, session, 'totp');
    // The first second factor comes with recovery codes, so that a lost phone is not a locked account.
    const codes =
      (await mfa.countUnusedRecoveryCodes(session.user.id)) === 0
        ? await mfa.regenerateRecoveryCodes(session.user, actor)
        : null;
    return pages.securityPage(
      c,
      current,
      { kind: 'ok', text: c.var.t('account.security.appDone') },
      codes ? recoveryCodesView(codes, c.var.t) : undefined,
    );
  });

  routes.post('/account/totp/remove', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const removed = await mfa.removeTotp(session.user, ownerActor(c, session.user.address));
    return pages.afterChange(c, session, removed, 'account.security.appRemoved');
  });

  return routes;
}

/** Passkeys: registration (the passkey script's JSON calls), rename, remove. */
function passkeyRoutes(deps: ConsoleDeps, pages: SecurityPages): Hono<ConsoleEnv> {
  const mfa = deps.identity.mfa;
  const routes = new Hono<ConsoleEnv>();

  routes.post('/account/passkeys/registration-options', async (c) => {
    const session = gate(c, { enrol: true, json: true });
    if (session instanceof Response) return session;
    return c.json(await mfa.passkeyRegistrationOptions(session.id, session.user, c.var.rp));
  });

  routes.post('/account/passkeys/registration', async (c) => {
    const session = gate(c, { enrol: true, json: true });
    if (session instanceof Response) return session;
    const body = (await c.req.json().catch(() => null)) as { name?: unknown; response?: unknown } | null;
    const outcome = await mfa.verifyPasskeyRegistration(
      {
        sessionId: session.id,
        user: session.user,
        rp: c.var.rp,
        response: body?.response,
        name: typeof body?.name === 'string' ? body.name : '',
      },
      ownerActor(c, session.user.address),
    );
    if (!outcome.ok) return jsonRefusal(c, 400, mfaRefusal(c, outcome));
    await pages.finishEnrolment(c, session, 'passkey');
    // Codes cannot be shown in a JSON answer: the page asks for them once a first factor exists.
    const noCodes = (await mfa.countUnusedRecoveryCodes(session.user.id)) === 0;
    return c.json({
      ok: true,
      redirect: noCodes ? '/account/security?recovery-left=0' : '/account/security',
    });
  });

  routes.post('/account/passkeys/:id/rename', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const body = await c.req.parseBody();
    const outcome = await mfa.renamePasskey(
      session.user,
      c.req.param('id'),
      typeof body['name'] === 'string' ? body['name'] : '',
      ownerActor(c, session.user.address),
    );
    return pages.afterChange(c, session, outcome, 'account.security.passkeyRenamed');
  });

  routes.post('/account/passkeys/:id/remove', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const outcome = await mfa.removePasskey(
      session.user,
      c.req.param('id'),
      ownerActor(c, session.user.address),
    );
    return pages.afterChange(c, session, outcome, 'account.security.passkeyRemoved');
  });

  return routes;
}

/** New recovery codes, replacing the old ones, shown once. */
function recoveryCodeRoutes(deps: ConsoleDeps, pages: SecurityPages): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();
  routes.post('/account/recovery-codes', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const codes = await deps.identity.mfa.regenerateRecoveryCodes(
      session.user,
      ownerActor(c, session.user.address),
    );
    return pages.securityPage(
      c,
      session,
      { kind: 'ok', text: c.var.t('account.security.codesReplaced') },
      recoveryCodesView(codes, c.var.t),
    );
  });
  return routes;
}

/** An MFA refusal in the reader's language, told by its code (the domain's message is English). */
function mfaRefusal(c: Context<ConsoleEnv>, failure: Pick<MfaFailure, 'code'>): string {
  return c.var.t(`account.mfa.${failure.code}`);
}
