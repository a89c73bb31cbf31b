import assert from 'node:assert/strict';
import type { App } from '../../src/app.js';

export const VICTIM = 'victim@customer.test';
export const BODY_PHRASE = 'Your password expires today';

/**
 * Credential phishing as a compromised account sends it: a lure, a link whose text shows another
 * host than it goes to, and an executable posing as a PDF.
 */
export function phishingMessage(
  from: string,
  n: number,
): { raw: Buffer; subject: string; messageId: string } {
  const subject = `Urgent: verify your account (${n})`;
  const messageId = `<phish-${n}@example.com>`;
  const mixed = `mixed-boundary-${n}`;
  const alternative = `alternative-boundary-${n}`;
  const lines = [
    `From: ${from}`,
    `To: ${VICTIM}`,
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    'Date: Mon, 02 Mar 2026 09:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${mixed}"`,
    '',
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alternative}"`,
    '',
    `--${alternative}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `${BODY_PHRASE}. Verify your account now or it will be suspended.`,
    `--${alternative}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    `<p>${BODY_PHRASE}. <a href="http://bit.ly/x">https://login.microsoftonline.com</a> ` +
      'Verify your account now or it will be suspended.</p>',
    `--${alternative}--`,
    `--${mixed}`,
    'Content-Type: application/octet-stream; name="invoice.pdf.exe"',
    'Content-Disposition: attachment; filename="invoice.pdf.exe"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('MZ fake executable').toString('base64'),
    `--${mixed}--`,
    '',
  ];
  return { raw: Buffer.from(lines.join('\r\n')), subject, messageId };
}

/** Submits a phishing message the way the gateway does (MAIL FROM, RCPT, DATA) and returns its quarantine id. */
export async function holdPhishing(app: App, address: string, n: number): Promise<string> {
  const user = await app.directory.findUser(address);
  assert.ok(user, address);
  const begun = await app.outbound.beginMessage({ id: user.id, address: user.address });
  assert.ok(begun.ok, JSON.stringify(begun));
  const recipients = [VICTIM];
  for (const recipient of recipients) assert.ok((await begun.budget.checkRecipient(recipient)).ok);
  const { raw, subject, messageId } = phishingMessage(user.address, n);
  const judgement = await begun.budget.judge({
    raw,
    envelopeFrom: user.address,
    recipients,
    subject,
    messageId,
    clientIp: '203.0.113.9',
    sessionId: 's1',
  });
  assert.equal(judgement.action, 'hold', JSON.stringify(judgement.verdict));
  assert.ok(judgement.action === 'hold');
  return judgement.quarantineId;
}
