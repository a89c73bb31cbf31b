import type { SMTPServerAuthentication, SMTPServerSession } from 'smtp-server';
import type { SignInOutcome } from '../../identity/index.js';
import { replyError } from '../../smtp-status/index.js';
import type { GatewayDeps, SessionUser } from '../gateway-deps.js';

/**
 * AUTH PLAIN / LOGIN: identity's sign-in pipeline decides (lockout, app password or account password,
 * mail password policy, risk); every attempt is in the sign-in log and a MailboxLogin audit record.
 */
export async function authenticate(
  deps: GatewayDeps,
  auth: SMTPServerAuthentication,
  session: SMTPServerSession,
): Promise<SessionUser> {
  const login = auth.username ?? '';
  const secret = auth.password ?? '';
  let outcome: SignInOutcome;
  try {
    outcome = await deps.identity.signIn({
      login,
      secret,
      protocol: 'smtp',
      clientIp: session.remoteAddress,
      sessionId: session.id,
      clientInfo: session.hostNameAppearsAs ? `ehlo:${session.hostNameAppearsAs}` : null,
    });
  } catch (error) {
    deps.logger.error('sign-in could not be decided', { error, session: session.id });
    throw replyError('sign-in-unavailable');
  }
  if (outcome.ok) return { ...outcome.user, addresses: await deps.directory.addressesOf(outcome.user.id) };
  throw replyError(outcome.code);
}
