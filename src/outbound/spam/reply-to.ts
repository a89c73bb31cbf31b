import type { AnalysisInput } from './analysis-input.js';
import { domainOfAddress, isInsideDomains, normalizeAddress } from './domain-names.js';
import type { Finding } from './finding.js';
import { parseMailboxes } from './mime-header-fields.js';

/**
 * REPLY_TO_EXTERNAL: answers would go outside the organization, to someone other than the sender —
 * how a hijacked account collects the replies to its fraud (CEO fraud, invoice fraud) elsewhere.
 */
export function analyzeReplyTo(input: AnalysisInput): Finding[] {
  const { sender } = input;
  const own = new Set([sender.address, ...sender.ownAddresses, input.envelopeFrom].map(normalizeAddress));
  const values = input.message.headers.get('reply-to') ?? [];
  const outside = values
    .flatMap((value) => parseMailboxes(value))
    .map((mailbox) => mailbox.address)
    .filter((address) => {
      if (address === '' || own.has(normalizeAddress(address))) return false;
      const domain = domainOfAddress(address);
      return domain === null || !isInsideDomains(domain, sender.orgDomains);
    });
  if (outside.length === 0) return [];
  return [
    {
      name: 'REPLY_TO_EXTERNAL',
      detail: `Reply-To ${outside.slice(0, 3).join(', ')} is outside the organization`,
    },
  ];
}
