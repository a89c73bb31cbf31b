import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { replyError } from '../../smtp-status/index.js';
import type { GatewayDeps, SessionUser, TransactionState } from '../gateway-deps.js';
import { refuseSubmission } from '../refusal-records.js';

/**
 * MAIL FROM: the envelope sender must be the signed-in user's primary address or one of its
 * aliases; a restricted account gets 550 5.1.8 and a sender above the per-minute rate 451 4.7.1.
 */
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
  const kind =
    address.address === '' ? null : (user.addresses.get(address.address.trim().toLowerCase()) ?? null);
  const facts = { senderKind: kind, from: address.address };
  if (!kind) throw refuseSubmission(deps, session, 'sender-not-allowed', facts);
  const begun = await deps.outbound.beginMessage({ id: user.id, address: user.address });
  if (!begun.ok) {
    if (begun.code === 'sender-restricted') throw refuseSubmission(deps, session, 'sender-restricted', facts);
    if (begun.code === 'rate-limited') throw refuseSubmission(deps, session, 'rate-limited', facts);
    throw replyError('local-error');
  }
  return { senderKind: kind, budget: begun.budget, receiving: false };
}
