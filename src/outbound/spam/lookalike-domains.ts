import type { AnalysisInput } from './analysis-input.js';
import { domainOfAddress, isInsideDomains, registrableDomain } from './domain-names.js';
import type { Finding } from './finding.js';
import { firstField, parseMailboxes } from './mime-header-fields.js';

/** Shorter organization names ("ing", "kpn") occur inside too many unrelated names to compare. */
const MIN_NAME_LENGTH = 4;

/** Levenshtein distance, giving up (returning limit + 1) once it is certainly above limit. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    if (Math.min(...current) > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/** What a name looks like at a glance: "rn" reads as "m", "vv" as "w", digits as the letters they mimic. */
function skeleton(name: string): string {
  return name.replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/0/g, 'o').replace(/[1l]/g, 'i');
}

/** The organization domain that a foreign domain imitates ("acme-payments.example", "acrne.example"). */
export function imitatedOrgDomain(domain: string, orgDomains: readonly string[]): string | null {
  if (isInsideDomains(domain, orgDomains)) return null;
  const name = skeleton(registrableDomain(domain).split('.')[0] ?? '');
  for (const org of orgDomains) {
    const orgName = skeleton(registrableDomain(org).split('.')[0] ?? '');
    if (orgName.length < MIN_NAME_LENGTH) continue;
    const limit = orgName.length >= 8 ? 2 : 1;
    if (name.includes(orgName) || editDistance(name, orgName, limit) <= limit) return org;
  }
  return null;
}

/**
 * LOOKALIKE_DOMAIN: the From or Reply-To address is at a domain made to pass for the organization's
 * own (cousin domains, the classic of invoice and CEO fraud). Raised once per message.
 */
export function analyzeLookalikeDomains(input: AnalysisInput): Finding[] {
  const { headers } = input.message;
  const fields = [
    ['From', firstField(headers, 'from')],
    ...(headers.get('reply-to') ?? []).map((value) => ['Reply-To', value] as const),
  ] as const;
  for (const [label, value] of fields)
    for (const mailbox of parseMailboxes(value)) {
      const domain = domainOfAddress(mailbox.address);
      const imitated = domain === null ? null : imitatedOrgDomain(domain, input.sender.orgDomains);
      if (imitated !== null)
        return [{ name: 'LOOKALIKE_DOMAIN', detail: `${label} ${mailbox.address} imitates ${imitated}` }];
    }
  return [];
}
