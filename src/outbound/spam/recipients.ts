import type { AnalysisInput } from './analysis-input.js';
import { domainOfAddress, isInsideDomains, registrableDomain } from './domain-names.js';
import type { Finding } from './finding.js';

/** One message to this many recipients outside the org looks like a mailing, not a conversation. */
export const MANY_EXTERNAL_RECIPIENTS = 20;
/** The never-contacted check needs this many distinct external domains to say anything … */
export const NEW_DOMAINS_MIN_DOMAINS = 5;
/** … and flags when at least this share of them were never written to in the last 30 days. */
export const NEW_DOMAINS_MIN_SHARE = 0.75;

function externalRecipients(input: AnalysisInput): string[] {
  return input.recipients.filter((recipient) => {
    const domain = domainOfAddress(recipient);
    return domain !== null && !isInsideDomains(domain, input.sender.orgDomains);
  });
}

function wasContacted(domain: string, known: ReadonlySet<string>): boolean {
  return known.has(domain) || known.has(registrableDomain(domain));
}

/** MANY_EXTERNAL_RECIPIENTS and NEW_RECIPIENT_DOMAINS: who this one message goes to. */
export function analyzeRecipients(input: AnalysisInput): Finding[] {
  const findings: Finding[] = [];
  const external = externalRecipients(input);
  if (external.length >= MANY_EXTERNAL_RECIPIENTS)
    findings.push({
      name: 'MANY_EXTERNAL_RECIPIENTS',
      detail: `${external.length} of ${input.recipients.length} recipients are outside the organization`,
    });
  const known = input.sender.knownRecipientDomains;
  // Without history every domain is new; the check only means something for an account that has one.
  if (known.size === 0) return findings;
  const domains = [...new Set(external.map((recipient) => domainOfAddress(recipient)!))];
  if (domains.length < NEW_DOMAINS_MIN_DOMAINS) return findings;
  const fresh = domains.filter((domain) => !wasContacted(domain, known));
  if (fresh.length / domains.length >= NEW_DOMAINS_MIN_SHARE)
    findings.push({
      name: 'NEW_RECIPIENT_DOMAINS',
      detail: `${fresh.length} of ${domains.length} recipient domains never written to in 30 days (e.g. ${fresh
        .slice(0, 3)
        .join(', ')})`,
    });
  return findings;
}
