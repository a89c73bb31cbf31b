import type { Identity } from './identity/index.js';
import type { Logger } from './runtime/logger.js';

/**
 * One fixed-format line for every refused sign-in, whatever the protocol (SMTP AUTH, Dovecot's
 * passdb for IMAP/POP3, the web console, the API), for fail2ban (deploy/fail2ban) and log search:
 *
 *   {"time":"…","level":"warn","msg":"sign-in failed","clientIp":"203.0.113.7","protocol":"smtp",…}
 *
 * The client address comes right after the message so that a filter can anchor on it: the login
 * (typed by the client) comes later and, JSON-escaped, cannot fake the prefix. The secret is never
 * logged. Give it the root logger: a child's fixed fields would come between msg and clientIp.
 */
export function logFailedSignIns(identity: Identity, logger: Logger): Identity {
  const signIn = identity.signIn;
  return Object.assign(identity, {
    signIn: async (request: Parameters<Identity['signIn']>[0]) => {
      const outcome = await signIn(request);
      if (!outcome.ok)
        logger.warn('sign-in failed', {
          clientIp: request.clientIp ?? 'unknown',
          protocol: request.protocol,
          reason: outcome.code,
          login: request.login,
          signInId: outcome.signInId,
          ...(request.sessionId ? { sessionId: request.sessionId } : {}),
        });
      return outcome;
    },
  });
}
