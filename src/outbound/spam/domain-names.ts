/**
 * Second-level labels under which registrations happen one level deeper (co.uk, com.au …). Not the
 * Public Suffix List: only the common ones, enough to compare "which site does this link go to".
 */
const MULTI_LABEL_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'me.uk',
  'ltd.uk',
  'plc.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.nz',
  'co.jp',
  'ne.jp',
  'co.za',
  'com.br',
  'com.mx',
  'com.tr',
  'com.cn',
  'com.hk',
  'com.sg',
  'co.in',
  'co.il',
  'co.kr',
  'com.ar',
  'com.pl',
  'co.id',
]);

/** Lower-cased, trailing dot removed; the empty string for nothing usable. */
export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.+$/, '');
}

/** The domain of an address (after the last @), lower-cased; null when there is none. */
export function domainOfAddress(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0) return null;
  const domain = normalizeDomain(address.slice(at + 1).replace(/[>\s]+$/, ''));
  return domain.length > 0 ? domain : null;
}

/** Lower-cased address without angle brackets or a +detail sub-address (RFC 5233). */
export function normalizeAddress(address: string): string {
  const bare = address.trim().replace(/^<|>$/g, '').toLowerCase();
  const at = bare.lastIndexOf('@');
  if (at < 0) return bare;
  const local = bare.slice(0, at);
  const plus = local.indexOf('+');
  return (plus > 0 ? local.slice(0, plus) : local) + bare.slice(at);
}

/** Whether the domain is one of the domains, or a subdomain of one. */
export function isInsideDomains(domain: string, domains: readonly string[]): boolean {
  const candidate = normalizeDomain(domain);
  return domains.some((owned) => {
    const base = normalizeDomain(owned);
    return base.length > 0 && (candidate === base || candidate.endsWith('.' + base));
  });
}

/** The registered name a host belongs to ("mail.google.com" → "google.com", "a.b.co.uk" → "b.co.uk"). */
export function registrableDomain(host: string): string {
  const labels = normalizeDomain(host).split('.').filter(Boolean);
  if (labels.length <= 2) return labels.join('.');
  const lastTwo = labels.slice(-2).join('.');
  return MULTI_LABEL_SUFFIXES.has(lastTwo) ? labels.slice(-3).join('.') : lastTwo;
}
