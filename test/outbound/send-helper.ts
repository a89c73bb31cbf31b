import type { App } from '../../src/app.js';

export type SendResult = { stage: 'sent' } | { stage: 'mail' | 'rcpt'; code: string; index?: number };

/** Walks one message through outbound the way the gateway does: MAIL FROM, each RCPT, delivered. */
export async function sendThroughPolicy(
  app: App,
  user: { id: string; address: string },
  recipients: readonly string[],
  subject = 'hello',
): Promise<SendResult> {
  const begun = await app.outbound.beginMessage(user);
  if (!begun.ok) return { stage: 'mail', code: begun.code };
  for (const [index, recipient] of recipients.entries()) {
    const outcome = await begun.budget.checkRecipient(recipient);
    if (!outcome.ok) return { stage: 'rcpt', code: outcome.code, index };
  }
  await app.audit.append(
    {
      operation: 'Send',
      result: 'success',
      mailbox: user.address,
      actor: user.address,
      logonType: 'owner',
      clientIp: '198.51.100.7',
      subject,
      details: { recipients: [...recipients], recipientCount: recipients.length },
    },
    begun.budget.recordDeliveredWithin,
  );
  return { stage: 'sent' };
}

export function external(count: number, domain = 'customer.test'): string[] {
  return Array.from({ length: count }, (_, index) => `r${index}@${domain}`);
}
