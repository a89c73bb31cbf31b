import { analyzeMessage, type Finding, type SenderContext } from '../../../src/outbound/spam/index.js';

/** Eva, a sales employee of acme.example with some customers and about five recipients an hour. */
export function senderContext(overrides: Partial<SenderContext> = {}): SenderContext {
  return {
    address: 'eva@acme.example',
    displayName: 'Eva de Vries',
    ownAddresses: ['eva@acme.example', 'sales@acme.example'],
    orgDomains: ['acme.example'],
    knownRecipientDomains: new Set(['contoso.example', 'northwind.example', 'fabrikam.example']),
    baselineRecipientsPerHour: 5,
    recipientsThisHour: 0,
    upstreamRefusalRate: null,
    newNetwork: null,
    ...overrides,
  };
}

export interface AttachmentSpec {
  filename: string;
  contentType?: string;
  content: Buffer | string;
}

export interface MessageSpec {
  from?: string;
  replyTo?: string;
  to?: string;
  subject?: string;
  text?: string;
  html?: string;
  attachments?: AttachmentSpec[];
}

/** A well-formed message (RFC 5322, MIME) from Eva to a customer, with the parts asked for. */
export function buildMessage(spec: MessageSpec = {}): Buffer {
  const headers = [
    `From: ${spec.from ?? 'Eva de Vries <eva@acme.example>'}`,
    `To: ${spec.to ?? 'tom@contoso.example'}`,
    `Subject: ${spec.subject ?? 'Delivery schedule'}`,
    'Date: Thu, 10 Dec 2026 10:00:00 +0100',
    'Message-ID: <fixture@acme.example>',
    'MIME-Version: 1.0',
  ];
  if (spec.replyTo) headers.push(`Reply-To: ${spec.replyTo}`);
  const bodies: string[] = [];
  if (spec.text !== undefined || spec.html === undefined)
    bodies.push(`Content-Type: text/plain; charset=utf-8\r\n\r\n${spec.text ?? 'Week 50 works for us.'}`);
  if (spec.html !== undefined) bodies.push(`Content-Type: text/html; charset=utf-8\r\n\r\n${spec.html}`);
  for (const attachment of spec.attachments ?? []) {
    const content = Buffer.isBuffer(attachment.content)
      ? attachment.content
      : Buffer.from(attachment.content);
    bodies.push(
      [
        `Content-Type: ${attachment.contentType ?? 'application/octet-stream'}; name="${attachment.filename}"`,
        `Content-Disposition: attachment; filename="${attachment.filename}"`,
        'Content-Transfer-Encoding: base64',
        '',
        content.toString('base64').replace(/.{76}/g, '$&\r\n'),
      ].join('\r\n'),
    );
  }
  if (bodies.length === 1) return Buffer.from(`${headers.join('\r\n')}\r\n${bodies[0]}\r\n`);
  const parts = bodies.map((body) => `--fixture-boundary\r\n${body}\r\n`).join('');
  return Buffer.from(
    `${headers.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="fixture-boundary"\r\n\r\n${parts}--fixture-boundary--\r\n`,
  );
}

export interface AnalyzeOptions {
  recipients?: string[];
  sender?: Partial<SenderContext>;
  envelopeFrom?: string;
}

export function analyze(raw: Buffer, options: AnalyzeOptions = {}): Finding[] {
  return analyzeMessage({
    raw,
    envelopeFrom: options.envelopeFrom ?? 'eva@acme.example',
    recipients: options.recipients ?? ['tom@contoso.example'],
    sender: senderContext(options.sender),
  });
}

export function findingNames(findings: readonly Finding[]): string[] {
  return findings.map((finding) => finding.name);
}

/** Recipients user1@<pattern 1> … userN@<pattern N>, e.g. addresses('shop{n}.example', 30). */
export function addresses(domainPattern: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `user${i + 1}@${domainPattern.replaceAll('{n}', String(i + 1))}`,
  );
}
