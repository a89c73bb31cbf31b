import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import type { GatewayDeps, SessionUser, TransactionState } from '../gateway-deps.js';
import { replyError } from '../replies.js';

/** MAIL FROM: the envelope sender must be the signed-in user's primary address or one of its aliases. */
export async function checkSender(
  deps: GatewayDeps,
  address: SMTPServerAddress,
  session: SMTPServerSession,
): Promise<TransactionState> {
  const user = session.user as SessionUser | undefined;
  if (!user) throw replyError('bad-credentials');
  const declaredSize = Number(address.args && (address.args as Record<string, string>)['SIZE']);
  if (Number.isFinite(declaredSize) && declaredSize > deps.limits.maxMessageBytes)
    throw replyError('message-too-big');
  const kind = address.address === '' ? null : await deps.directory.senderKind(user.id, address.address);
  if (!kind) throw replyError('sender-not-allowed');
  return { senderKind: kind };
}
