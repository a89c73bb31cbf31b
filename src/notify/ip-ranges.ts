import { isIPv4, isIPv6 } from 'node:net';

/** An address as its bytes: 4 for IPv4, 16 for IPv6. */
export type AddressBytes = Uint8Array;

export interface IpRange {
  bytes: AddressBytes;
  prefixLength: number;
}

/** The kinds of address a webhook may not reach unless an operator allows it by name or range. */
export type InternalAddressKind =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'reserved';

export function parseAddress(text: string): AddressBytes | null {
  const address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  if (isIPv6(address)) return parseIpv6(address);
  return null;
}

function parseIpv6(address: string): AddressBytes | null {
  let text = address.toLowerCase();
  // A zone (fe80::1%eth0) names an interface, not part of the address.
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const words: number[] = [];
  const pushGroups = (part: string): number[] => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const v4 = group.split('.').map(Number);
        groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else groups.push(Number.parseInt(group, 16));
    }
    return groups;
  };
  const [head = '', tail] = text.split('::');
  const headWords = pushGroups(head);
  const tailWords = tail === undefined ? [] : pushGroups(tail);
  const gap = 8 - headWords.length - tailWords.length;
  if (gap < 0 || (tail === undefined && gap !== 0)) return null;
  words.push(...headWords, ...new Array<number>(gap).fill(0), ...tailWords);
  const bytes = new Uint8Array(16);
  words.forEach((word, index) => {
    bytes[index * 2] = word >> 8;
    bytes[index * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/** `10.0.0.0/8`, `fd00::/8`, or one address (a /32 or /128). Null when it is neither. */
export function parseRange(text: string): IpRange | null {
  const slash = text.indexOf('/');
  const bytes = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!bytes) return null;
  const maxLength = bytes.length * 8;
  if (slash < 0) return { bytes, prefixLength: maxLength };
  const lengthText = text.slice(slash + 1);
  const prefixLength = /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : Number.NaN;
  if (!(prefixLength >= 0 && prefixLength <= maxLength)) return null;
  return { bytes, prefixLength };
}

export function rangeContains(range: IpRange, address: AddressBytes): boolean {
  const candidate = embeddedIpv4(address) ?? address;
  if (candidate.length !== range.bytes.length) return false;
  let bits = range.prefixLength;
  for (let index = 0; bits > 0; index++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((candidate[index] ?? 0) & mask) !== ((range.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

function range(text: string): IpRange {
  const parsed = parseRange(text);
  if (!parsed) throw new Error(`not a range: ${text}`);
  return parsed;
}

/**
 * RFC 6890's special-purpose registries, reduced to what a webhook must not reach from inside the
 * network: the host itself, the local networks, cloud metadata (169.254.169.254), and groups.
 */
const internalRanges: ReadonlyArray<{ range: IpRange; kind: InternalAddressKind }> = [
  { range: range('0.0.0.0/8'), kind: 'unspecified' },
  { range: range('127.0.0.0/8'), kind: 'loopback' },
  { range: range('10.0.0.0/8'), kind: 'private' },
  { range: range('172.16.0.0/12'), kind: 'private' },
  { range: range('192.168.0.0/16'), kind: 'private' },
  { range: range('100.64.0.0/10'), kind: 'shared' },
  { range: range('169.254.0.0/16'), kind: 'link-local' },
  { range: range('192.0.0.0/24'), kind: 'reserved' },
  { range: range('224.0.0.0/4'), kind: 'multicast' },
  { range: range('240.0.0.0/4'), kind: 'reserved' },
  { range: range('::/128'), kind: 'unspecified' },
  { range: range('::1/128'), kind: 'loopback' },
  { range: range('fe80::/10'), kind: 'link-local' },
  { range: range('fec0::/10'), kind: 'private' },
  { range: range('fc00::/7'), kind: 'unique-local' },
  { range: range('ff00::/8'), kind: 'multicast' },
];

/**
 * IPv6 forms that carry an IPv4 address a connection may end up at: IPv4-mapped (::ffff:0:0/96,
 * which a dual-stack socket connects over IPv4), IPv4-compatible (::/96, deprecated) and the NAT64
 * well-known prefix (64:ff9b::/96, RFC 6052). They are judged as that IPv4 address.
 */
const ipv4CarryingPrefixes = [range('::ffff:0:0/96'), range('::/96'), range('64:ff9b::/96')];

function embeddedIpv4(address: AddressBytes): AddressBytes | null {
  if (address.length !== 16) return null;
  const tail = address.subarray(12);
  // ::/96 also holds :: and ::1, which are IPv6's own unspecified and loopback addresses.
  if (address.every((byte, index) => index >= 15 || byte === 0) && (tail[3] ?? 0) <= 1) return null;
  for (const prefix of ipv4CarryingPrefixes) if (prefixMatches(prefix, address)) return Uint8Array.from(tail);
  return null;
}

function prefixMatches(prefix: IpRange, address: AddressBytes): boolean {
  for (let index = 0; index < prefix.prefixLength / 8; index++)
    if (address[index] !== prefix.bytes[index]) return false;
  return true;
}

/** The internal kind of an address, or null for an address on the public internet. */
export function internalAddressKind(address: AddressBytes): InternalAddressKind | null {
  const candidate = embeddedIpv4(address) ?? address;
  for (const entry of internalRanges) if (rangeContains(entry.range, candidate)) return entry.kind;
  return null;
}

/** For messages: `127.0.0.1`, `::1`. */
export function formatAddress(address: AddressBytes): string {
  if (address.length === 4) return address.join('.');
  const words: string[] = [];
  for (let index = 0; index < 16; index += 2)
    words.push((((address[index] ?? 0) << 8) | (address[index + 1] ?? 0)).toString(16));
  return new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1);
}
