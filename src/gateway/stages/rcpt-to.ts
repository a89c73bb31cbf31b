import type { SMTPServerSession } from 'smtp-server';
import type { GatewayDeps } from '../gateway-deps.js';
import { replyError } from '../replies.js';

/** RCPT TO: the hard per-message cap; sending policies (outbound module) come on top of it. */
export function checkRecipient(deps: GatewayDeps, session: SMTPServerSession): void {
  // smtp-server appends the recipient only after this check passes.
  if (session.envelope.rcptTo.length >= deps.limits.maxRecipients) throw replyError('too-many-recipients');
}
