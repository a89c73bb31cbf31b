import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { MailProtocol } from '../identity/index.js';
import type { Logger } from '../runtime/logger.js';
import { parsePassdbForm, parsePolicyBody } from './dovecot-auth-requests.js';
import type { DovecotAuthDeps } from './mailstack-deps.js';

/**
 * Dovecot authenticates through Mailwarden (deploy/dovecot/): one pipeline for IMAP, POP3,
 * ManageSieve and, through Dovecot SASL, Postfix's SMTP AUTH.
 *
 * POST /dovecot/passdb (the Lua passdb, form-encoded: user, mode=verify|exists, password, service,
 *   rip, session, master_user): 200 the credential is good; 403 it is not (the body names the
 *   reason, for the Lua script's log, and a second line, when there is one, is for the client); 5xx Mailwarden cannot decide, which the script turns into
 *   Dovecot's INTERNAL_FAILURE ("temporary failure"), never into a mismatch. mode=exists comes after
 *   Dovecot's own master-user passdb checked the master's password: Mailwarden confirms the account
 *   and, with master_user, logs the sign-in as that administrator's (credential master-user:<name>).
 * POST /dovecot/policy?command=allow|report (Dovecot's auth policy server, JSON): allow answers
 *   {"status":-1,"msg":…} to deny a locked-out source or a high-risk source, and
 *   {"status":0} otherwise (an account restricted from sending still reads its mail: Postfix's
 *   policy service refuses what it sends); report is acknowledged (the passdb call already logged the attempt).
 *
 * Both need `Authorization: Bearer <dovecot.authSecret>` (compared in constant time); without the
 * setting both answer 503. Malformed input (dovecot-auth-requests.ts) is refused, never allowed:
 * the passdb answers 400 (the Lua script's temporary failure), an allow request status -1.
 */
export const dovecotReplies = {
  ok: { status: 200, body: 'OK' },
  'not-configured': { status: 503, body: 'dovecot.authSecret is not set' },
  unauthenticated: { status: 401, body: 'unauthenticated' },
  'bad-request': { status: 400, body: 'bad request' },
  unavailable: { status: 503, body: 'cannot decide now' },
} as const;

/** Dovecot's service names (%s) → the protocols of the sign-in log. */
const serviceProtocols: Record<string, MailProtocol> = {
  imap: 'imap',
  pop3: 'pop3',
  smtp: 'smtp',
  submission: 'smtp',
  sieve: 'sieve',
  managesieve: 'sieve',
};

/**
 * What the IMAP, POP3 or ManageSieve client is told beside the failure (the Lua passdb's second
 * line → Dovecot's reason=), as SMTP says `534 5.7.9 Application-specific password required`. Only
 * refusals of a right password: the others stay Dovecot's bare "Authentication failed", which
 * tells a guesser nothing.
 */
const clientMessages: Partial<Record<string, string>> = {
  'app-password-required': 'Application-specific password required: sign in with an app password',
};

/**
 * The services whose Dovecot login process refuses a passdb's "nologin" answer and shows its reason,
 * which is how the Lua passdb passes the message on. Postfix's SASL does not read nologin: it would
 * let such a sign-in through, so SMTP AUTH is never sent a message (Postfix answers 535 on its own).
 */
const toldByLoginProcess: ReadonlySet<MailProtocol> = new Set(['imap', 'pop3', 'sieve']);

/** The auth policy answers (Dovecot auth-policy.c): status 0 lets the sign-in go on, -1 refuses it. */
const policyReplies = {
  allowed: { status: 0, msg: '' },
  refused: (msg: string) => ({ status: -1, msg }),
} as const;

export function dovecotAuthRoutes(app: DovecotAuthDeps): Hono {
  const logger: Logger = app.logger.child({ role: 'dovecot-auth' });
  const secret = app.config.dovecot.authSecret;
  const expected = secret === null ? null : digest(secret);
  const routes = new Hono();

  routes.use(async (c, next) => {
    if (expected === null) return c.text(dovecotReplies['not-configured'].body, 503);
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] ?? '';
    if (!timingSafeEqual(digest(token), expected))
      return c.text(dovecotReplies.unauthenticated.body, 401, {
        'WWW-Authenticate': 'Bearer realm="dovecot"',
      });
    await next();
  });

  routes.post('/passdb', async (c) => {
    const parsed = parsePassdbForm(await c.req.text());
    if (!parsed.ok) {
      logger.warn('dovecot passdb request refused as malformed', { problem: parsed.problem });
      return c.text(dovecotReplies['bad-request'].body, 400);
    }
    const request = parsed.value;
    const service = (request.service ?? '').toLowerCase();
    const protocol = serviceProtocols[service];
    if (!protocol) return c.text('unknown-service', 403);
    try {
      if (request.mode === 'exists') {
        // After a master-user passdb: only "does this account exist and may it sign in".
        const row = await app.directory.findLoginRow(request.user);
        const allowed = row !== null && row.disabled_at === null;
        const master = request.master_user?.toLowerCase();
        // Dovecot checked the master's own password: the account's sign-in log and the audit log
        // still show that someone else opened the mailbox, and who.
        if (row && master)
          await app.identity.recordSignInStep({
            userId: row.id,
            protocol,
            clientIp: request.rip ?? null,
            clientInfo: `dovecot:${service}`,
            sessionId: request.session ?? null,
            result: allowed ? 'success' : 'failure',
            reason: allowed ? 'master-user' : 'account-disabled',
            credential: `master-user:${master}`,
            actedBy: { actor: master, logonType: 'admin' },
          });
        return allowed ? c.text('OK', 200) : c.text(row ? 'account-disabled' : 'unknown-user', 403);
      }
      const outcome = await app.identity.signIn({
        login: request.user,
        secret: request.password ?? '',
        protocol,
        clientIp: request.rip ?? null,
        sessionId: request.session ?? null,
        clientInfo: `dovecot:${service}`,
      });
      if (outcome.ok) return c.text('OK', 200);
      const clientMessage = toldByLoginProcess.has(protocol) ? clientMessages[outcome.code] : undefined;
      return c.text(clientMessage ? `${outcome.code}\n${clientMessage}` : outcome.code, 403);
    } catch (error) {
      logger.error('dovecot passdb request could not be decided', { error, service });
      return c.text(dovecotReplies.unavailable.body, 503);
    }
  });

  routes.post('/policy', async (c) => {
    const command = c.req.query('command');
    const parsed = parsePolicyBody(await c.req.text());
    if (command !== 'allow' && command !== 'report')
      return c.json(policyReplies.refused('unknown command'), 400);
    if (!parsed.ok) {
      logger.warn('dovecot policy request refused as malformed', { command, problem: parsed.problem });
      // A 200 with status -1 refuses whatever auth_policy_reject_on_fail says: a 4xx would be an
      // error to Dovecot, which lets the sign-in through under its default (reject_on_fail = no).
      return c.json(policyReplies.refused('malformed policy request'), command === 'allow' ? 200 : 400);
    }
    if (command === 'report') return c.json(policyReplies.allowed);
    const body = parsed.value;
    const login = body.login ?? '';
    const protocol = serviceProtocols[(body.protocol ?? '').toLowerCase()] ?? 'imap';
    // Before the user name is known (some mechanisms): nothing to screen yet; the passdb decides.
    if (login === '') return c.json(policyReplies.allowed);
    try {
      const screened = await app.identity.screenSignIn({
        login,
        protocol,
        clientIp: body.remote || null,
        sessionId: body.session_id ? body.session_id.slice(0, 200) : null,
        clientInfo: `dovecot:${protocol}`,
      });
      return c.json(screened.allow ? policyReplies.allowed : policyReplies.refused(screened.message));
    } catch (error) {
      // A 5xx is an error to Dovecot: with deploy/dovecot's auth_policy_reject_on_fail = no the passdb
      // decides next (and, Mailwarden unable to decide, answers a temporary failure).
      logger.error('dovecot policy request could not be decided', { error });
      return c.json({ status: 0, msg: 'cannot decide now' }, 503);
    }
  });

  return routes;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
