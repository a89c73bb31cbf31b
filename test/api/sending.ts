import type { App } from '../../src/app.js';
import type { OutboundFailure } from '../../src/outbound/index.js';

export interface SendOutcome {
  /** null when every recipient was accepted and the message counted as delivered. */
  refusal: OutboundFailure | null;
}

/**
 * Submits a message through the outbound module the way the gateway does: MAIL FROM begins the
 * message, each RCPT is checked against the budget, and a delivered message is counted in the same
 * transaction as its Send record. A refusal at any step ends the message, as DATA would.
 */
export async function submitMessage(
  app: App,
  address: string,
  recipients: readonly string[],
  subject = 'Quarterly figures',
): Promise<SendOutcome> {
  const user = await app.directory.findUser(address);
  if (!user) throw new Error(`no user ${address}`);
  const begun = await app.outbound.beginMessage({ id: user.id, address: user.address });
  if (!begun.ok) return { refusal: begun };
  for (const recipient of recipients) {
    const checked = await begun.budget.checkRecipient(recipient);
    if (!checked.ok) return { refusal: checked };
  }
  await app.audit.append(
    {
      operation: 'Send',
      result: 'success',
      mailbox: user.address,
      actor: user.address,
      logonType: 'owner',
      clientIp: '192.0.2.10',
      protocol: 'smtp',
      subject,
      details: { from: user.address, recipientCount: recipients.length, recipients: [...recipients] },
    },
    begun.budget.recordDeliveredWithin,
  );
  return { refusal: null };
}

/**
 * Gets `address` restricted for 'hourly-external-limit' under a policy that allows it 2 external
 * recipients an hour: one delivered message to two, then one more recipient reaches the limit.
 */
export async function sendUntilRestricted(app: App, address: string): Promise<OutboundFailure> {
  const first = await submitMessage(app, address, ['x@external.test', 'y@external.test']);
  if (first.refusal) throw new Error(`the first message was refused: ${first.refusal.message}`);
  const second = await submitMessage(app, address, ['z@external.test'], 'One more');
  if (!second.refusal) throw new Error('the third external recipient was accepted');
  return second.refusal;
}
