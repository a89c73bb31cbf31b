import { inEnglish } from '../../i18n/index.js';
import {
  type ControlDefinition,
  couldNotCheck,
  coverage,
  findingOf,
  type Measurement,
} from '../control-definition.js';
import type { Facts } from '../facts.js';
import { finding } from '../finding.js';
import type { DomainCheckName, DomainCheckResult } from '../score-inputs.js';

/**
 * Partial credit by share of the org's domains that pass. A domain whose DNS did not answer (timeout,
 * SERVFAIL) neither passes nor fails: it earns nothing and the control shows "could not check" for it.
 */
async function perDomain(facts: Facts, check: DomainCheckName): Promise<Measurement> {
  const results = await facts.domainCheck(check);
  if (!results.available) return couldNotCheck(results.reason);
  const list = results.value;
  if (list.length === 0) return couldNotCheck(finding('score.reason.noDomains'));
  const by = (outcome: DomainCheckResult['outcome']) => list.filter((result) => result.outcome === outcome);
  const [passing, failing, unknown] = [by('pass'), by('fail'), by('unknown')];
  // For scripts: each domain's detail in English (the finding carries it as a message).
  const detail = {
    domains: Object.fromEntries(
      list.map((result) => [result.domain, { outcome: result.outcome, detail: inEnglish(result.detail) }]),
    ),
  };
  const found = findingOf([
    finding('score.finding.domainsPass', { good: passing.length, total: list.length }),
    ...failing.map((result) =>
      finding('score.finding.domainFails', { domain: result.domain, detail: result.detail }),
    ),
    ...unknown.map((result) =>
      finding('score.finding.domainUnknown', { domain: result.domain, detail: result.detail }),
    ),
  ]);
  const measurement = coverage(passing.length, list.length, found, detail);
  if (unknown.length > 0) return { ...measurement, state: 'not-available' };
  return measurement;
}

export const domainControls: ControlDefinition[] = [
  {
    id: 'domains.spf',
    title: 'SPF published, ending in -all or ~all, within 10 DNS lookups',
    category: 'domains',
    maxPoints: 5,
    measuredBy:
      'For every domain, the SPF record is evaluated (mailauth) for an address no record should allow (192.0.2.1, TEST-NET-1): fail (-all) or softfail (~all) passes; pass, neutral, none or permerror (more than 10 lookups, syntax) fails.',
    why: 'Without SPF anyone can send mail as your domain and receivers cannot tell; a record ending in +all or ?all allows everyone.',
    fix: {
      cli: 'DNS: <domain>. TXT "v=spf1 mx -all"   # then: npx mailwarden score control domains.spf',
      api: null,
    },
    measure: (facts) => perDomain(facts, 'spf'),
  },
  {
    id: 'domains.dkim',
    title: 'DKIM key published (RSA ≥ 2048 bits or Ed25519)',
    category: 'domains',
    maxPoints: 5,
    measuredBy:
      'For every domain, the key of each configured selector (score.dkimSelectors) is published at <selector>._domainkey.<domain> and is RSA of at least 2048 bits or Ed25519.',
    why: 'DKIM signs your mail so that receivers (and DMARC) can tell it really came from you; keys below 2048 bits can be factored.',
    fix: {
      cli: 'DNS: <selector>._domainkey.<domain>. TXT "v=DKIM1; k=rsa; p=…"; MAILWARDEN_SCORE_DKIM_SELECTORS=<domain>:<selector>',
      api: null,
    },
    measure: (facts) => perDomain(facts, 'dkim'),
  },
  {
    id: 'domains.dmarc',
    title: 'DMARC at p=quarantine or p=reject, with reporting',
    category: 'domains',
    maxPoints: 5,
    measuredBy:
      'For every domain, the DMARC record (mailauth, organizational domain fallback) has p=quarantine or p=reject and a rua= report address.',
    why: 'DMARC tells receivers to refuse mail that fails SPF and DKIM for your domain; p=none only watches, and without rua nobody sees the abuse.',
    fix: { cli: 'DNS: _dmarc.<domain>. TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@<domain>"', api: null },
    measure: (facts) => perDomain(facts, 'dmarc'),
  },
  {
    id: 'domains.mta-sts',
    title: 'MTA-STS in enforce mode with a reachable policy',
    category: 'domains',
    maxPoints: 3,
    measuredBy:
      'For every domain, _mta-sts TXT (v=STSv1) is published and https://mta-sts.<domain>/.well-known/mta-sts.txt answers with a valid policy in mode enforce that lists every MX host.',
    why: 'Without MTA-STS an attacker on the path can strip STARTTLS and read mail sent to you; enforce makes senders refuse plaintext.',
    fix: {
      cli: 'DNS: _mta-sts.<domain>. TXT "v=STSv1; id=<yyyymmdd>"; serve https://mta-sts.<domain>/.well-known/mta-sts.txt with "version: STSv1\\nmode: enforce\\nmx: <mx host>\\nmax_age: 604800"',
      api: null,
    },
    measure: (facts) => perDomain(facts, 'mta-sts'),
  },
  {
    id: 'domains.tls-rpt',
    title: 'TLS-RPT published',
    category: 'domains',
    maxPoints: 2,
    measuredBy: 'For every domain, _smtp._tls TXT has v=TLSRPTv1 and a rua= of mailto: or https:.',
    why: 'TLS reports tell you when senders cannot reach you over TLS: a broken certificate, or someone downgrading the connection.',
    fix: { cli: 'DNS: _smtp._tls.<domain>. TXT "v=TLSRPTv1; rua=mailto:tlsrpt@<domain>"', api: null },
    measure: (facts) => perDomain(facts, 'tls-rpt'),
  },
  {
    id: 'domains.mx',
    title: 'MX records present',
    category: 'domains',
    maxPoints: 2,
    measuredBy: 'For every domain, at least one MX record that is not a null MX (RFC 7505).',
    why: 'Without MX, replies, bounces and DMARC reports to your domain are lost, and MTA-STS has nothing to protect.',
    fix: { cli: 'DNS: <domain>. MX 10 <mail host>.', api: null },
    measure: (facts) => perDomain(facts, 'mx'),
  },
];
