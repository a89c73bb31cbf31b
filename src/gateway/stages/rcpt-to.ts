import type { SMTPServerAddress, SMTPServerSession } from 'smtp-server';
import { replyError } from '../../smtp-status/index.js';
import type { GatewayDeps, TransactionState } from '../gateway-deps.js';
import { refuseSubmission } from '../refusal-records.js';

/**
 * RCPT TO: the hard cap of the gateway, then the sender's policy: recipients per message
 * (452 4.5.3, the client may send the rest in another message) and the hourly and daily budgets
 * (550 5.1.90 when a limit is reached).
 */
export async function checkRecipient(
  deps: GatewayDeps,
  address: SMTPServerAddress,
  session: SMTPServerSession,
  state: TransactionState | undefined,
): Promise<void> {
  if (!state) throw replyError('local-error');
  const facts = {
    senderKind: state.senderKind,
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    recipients: [address.address],
  };
  // smtp-server appends the recipient only after this check passes.
  if (session.envelope.rcptTo.length >= deps.limits.maxRecipients)
    throw refuseSubmission(deps, session, 'too-many-recipients', facts);
  const outcome = await state.budget.checkRecipient(address.address);
  if (outcome.ok) return;
  switch (outcome.code) {
    case 'too-many-recipients':
    case 'daily-limit-reached':
    case 'hourly-limit-reached':
    case 'sender-restricted':
      throw refuseSubmission(deps, session, outcome.code, facts);
    default:
      throw replyError('local-error');
  }
}
