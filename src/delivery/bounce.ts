import { randomUUID } from 'node:crypto';
import type { RefusedRecipient } from './delivery.js';

/** A minimal delivery status notification (RFC 3464) carrying the original headers. */
export function buildBounce(input: {
  reportingHost: string;
  sender: string;
  refused: readonly RefusedRecipient[];
  original: Buffer;
}): Buffer {
  const boundary = `mw-${randomUUID()}`;
  const headerEnd = input.original.indexOf('\r\n\r\n');
  const originalHeaders = input.original.subarray(
    0,
    headerEnd < 0 ? Math.min(input.original.length, 16_384) : headerEnd,
  );
  const perRecipient = input.refused
    .map((refusal) =>
      [
        `Final-Recipient: rfc822; ${refusal.address}`,
        'Action: failed',
        `Status: ${statusOf(refusal.response)}`,
        `Diagnostic-Code: smtp; ${refusal.response.replace(/\s+/g, ' ')}`,
      ].join('\r\n'),
    )
    .join('\r\n\r\n');
  const text = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingHost}>`,
    `To: <${input.sender}>`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomUUID()}@${input.reportingHost}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Your message was delivered to some recipients, but these were refused by the next server:',
    '',
    ...input.refused.map((refusal) => `  ${refusal.address}: ${refusal.response.replace(/\s+/g, ' ')}`),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${input.reportingHost}`,
    '',
    perRecipient,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    originalHeaders.toString('utf8'),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return Buffer.from(text, 'utf8');
}

function statusOf(response: string): string {
  const match = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response);
  return match?.[1] ?? '5.0.0';
}
