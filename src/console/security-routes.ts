import { type Context, Hono } from 'hono';
import type { WebSession } from '../identity/index.js';
import { ownerActor } from './actor.js';
import type { ConsoleDeps } from './console-app.js';
import type { ConsoleEnv } from './console-env.js';
import { writeCookie } from './cookies.js';
import { gate } from './gate.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout } from './layout.js';
import { qrCodeSvg } from './qr-code.js';
import { jsonRefusal } from './refusals.js';

type Notice = { kind: 'info' | 'ok' | 'error'; text: string } | null;

/** Sign-in methods: authenticator app (TOTP), passkeys, recovery codes. */
export function securityRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { app, names } = deps;
  const mfa = app.identity.mfa;
  const routes = new Hono<ConsoleEnv>();
  const csrfOf = (c: Context<ConsoleEnv>) => app.identity.webSessions.csrfTokenFor(c.var.sessionToken!);

  /** A session that had to enrol is complete once it has a second factor: renew its token. */
  const finishEnrolment = async (
    c: Context<ConsoleEnv>,
    session: WebSession,
    method: string,
  ): Promise<WebSession> => {
    if (session.stage !== 'enrol') return session;
    const renewed = await app.identity.webSessions.renew(
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
    const requiredNotice: Notice =
      notice ??
      (enrolOnly
        ? {
            kind: 'error',
            text: 'Your administrator requires a second factor. Set up an authenticator app or a passkey to continue.',
          }
        : requirement.requiredBy && !requirement.hasMethod && requirement.deadlineMs
          ? {
              kind: 'info',
              text: `A second factor is required for your account: set one up by ${new Date(requirement.deadlineMs).toISOString().slice(0, 10)}.`,
            }
          : null);
    return c.html(
      layout(
        {
          title: 'Sign-in methods',
          csrfToken: csrf,
          signedIn: !enrolOnly,
          passkeys: true,
          notice: requiredNotice,
        },
        html`${extra ?? ''}
        <section id="totp">
          <h2>Authenticator app</h2>
          ${
            methods.totp
              ? html`<p>An authenticator app is set up.</p>
                ${enrolOnly ? '' : html`<form method="post" action="/account/totp/remove">${csrfField(csrf)}<button class="danger" type="submit" id="remove-totp">Remove authenticator app</button></form>`}`
              : html`<p class="muted">Use an app such as Aegis, FreeOTP or Google Authenticator for 6-digit codes.</p>
                <form method="post" action="/account/totp/start">${csrfField(csrf)}<button type="submit" id="start-totp">Set up an authenticator app</button></form>`
          }
        </section>
        <section id="passkeys">
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
                    <td>${passkey.createdAt.slice(0, 10)}</td>
                    <td>${passkey.lastUsedAt ? passkey.lastUsedAt.slice(0, 16).replace('T', ' ') : 'never'}</td>
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
        </section>
        ${
          enrolOnly
            ? ''
            : html`<section id="recovery-codes">
              <h2>Recovery codes</h2>
              <p>${recoveryLeft} unused recovery code${recoveryLeft === 1 ? '' : 's'}. Each works once, when you have no other second factor at hand.</p>
              <form method="post" action="/account/recovery-codes">${csrfField(csrf)}<button type="submit" class="secondary" id="regenerate-recovery">${recoveryLeft > 0 ? 'Replace my recovery codes' : 'Create recovery codes'}</button></form>
            </section>`
        }`,
      ),
      status,
    );
  };

  const showCodes = (codes: string[]) =>
    html`<section id="new-recovery-codes"><h2>Your new recovery codes</h2>
      <p><strong>Save them now: they are shown only this once.</strong> Each code works one time.</p>
      <ul class="codes">${codes.map((code) => html`<li class="recovery-code">${code}</li>`)}</ul></section>`;

  routes.get('/account/security', async (c) => {
    const session = gate(c, { enrol: true });
    if (session instanceof Response) return session;
    const left = c.req.query('recovery-left');
    return securityPage(
      c,
      session,
      left === '0'
        ? { kind: 'info', text: 'Create your recovery codes now, for the day your device is lost.' }
        : left !== undefined
          ? { kind: 'info', text: `You have ${left} recovery codes left; consider replacing them.` }
          : null,
    );
  });

  routes.post('/account/totp/start', async (c) => {
    const session = gate(c, { enrol: true });
    if (session instanceof Response) return session;
    const started = await mfa.startTotpEnrolment(session.user);
    if (!started.ok)
      return securityPage(c, session, { kind: 'error', text: started.message }, undefined, 400);
    return totpConfirmPage(c, started.secret, started.uri, null);
  });

  const totpConfirmPage = async (
    c: Context<ConsoleEnv>,
    secret: string,
    uri: string,
    error: string | null,
  ) => {
    const csrf = csrfOf(c);
    return c.html(
      layout(
        {
          title: 'Set up an authenticator app',
          csrfToken: csrf,
          signedIn: c.var.session?.stage === 'complete',
          notice: error ? { kind: 'error', text: error } : null,
        },
        html`<section>
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
        </section>`,
      ),
      error ? 400 : 200,
    );
  };

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
      if (confirmed.code === 'bad-code' && uri) return totpConfirmPage(c, secret, uri, confirmed.message);
      return securityPage(c, session, { kind: 'error', text: confirmed.message }, undefined, 400);
    }
    const current = await finishEnrolment(c, session, 'totp');
    // The first second factor comes with recovery codes, so that a lost phone is not a locked account.
    const codes =
      (await mfa.countUnusedRecoveryCodes(session.user.id)) === 0
        ? await mfa.regenerateRecoveryCodes(session.user, actor)
        : null;
    return securityPage(
      c,
      current,
      { kind: 'ok', text: 'The authenticator app is set up.' },
      codes ? showCodes(codes) : undefined,
    );
  });

  routes.post('/account/totp/remove', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const removed = await mfa.removeTotp(session.user, ownerActor(c, session.user.address));
    return securityPage(
      c,
      session,
      removed.ok
        ? { kind: 'ok', text: 'The authenticator app was removed.' }
        : { kind: 'error', text: removed.message },
      undefined,
      removed.ok ? 200 : 400,
    );
  });

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
    if (!outcome.ok) return jsonRefusal(c, 400, outcome.message);
    await finishEnrolment(c, session, 'passkey');
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
    return securityPage(
      c,
      session,
      outcome.ok
        ? { kind: 'ok', text: 'The passkey was renamed.' }
        : { kind: 'error', text: outcome.message },
      undefined,
      outcome.ok ? 200 : 400,
    );
  });

  routes.post('/account/passkeys/:id/remove', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const outcome = await mfa.removePasskey(
      session.user,
      c.req.param('id'),
      ownerActor(c, session.user.address),
    );
    return securityPage(
      c,
      session,
      outcome.ok
        ? { kind: 'ok', text: 'The passkey was removed.' }
        : { kind: 'error', text: outcome.message },
      undefined,
      outcome.ok ? 200 : 400,
    );
  });

  routes.post('/account/recovery-codes', async (c) => {
    const session = gate(c);
    if (session instanceof Response) return session;
    const codes = await mfa.regenerateRecoveryCodes(session.user, ownerActor(c, session.user.address));
    return securityPage(
      c,
      session,
      { kind: 'ok', text: 'New recovery codes replaced the old ones.' },
      showCodes(codes),
    );
  });

  return routes;
}
