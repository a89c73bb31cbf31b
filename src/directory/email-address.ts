/** Parsing of the addresses admins type: addr-spec of RFC 5321 §4.1.2, dot-atom local parts only. */
export type ParsedAddress = { ok: true; address: string; localPart: string; domain: string } | { ok: false };

const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Lower-cases the whole address: mailbox names are compared case-insensitively everywhere. */
export function parseEmailAddress(input: string): ParsedAddress {
  const address = input.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at <= 0 || address.length > 254) return { ok: false };
  const localPart = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (localPart.length > 64 || !LOCAL_PART.test(localPart) || !isDomainName(domain)) return { ok: false };
  return { ok: true, address, localPart, domain };
}

/** RFC 1035 §2.3.1 host names, at least two labels (RFC 5321 §2.3.5), at most 253 characters. */
export function isDomainName(input: string): boolean {
  if (input.length === 0 || input.length > 253) return false;
  const labels = input.split('.');
  return (
    labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!)
  );
}
