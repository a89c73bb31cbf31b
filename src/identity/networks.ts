/**
 * The client's network, the unit of smart lockout and of "familiar" networks: IPv4 /24, IPv6 /64
 * (one household, office or mobile carrier pool). 'unknown' when the client's address is not known.
 */
export function networkOf(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(plain);
  if (family === 4) return `${plain.split('.').slice(0, 3).join('.')}.0/24`;
  if (family === 6) {
    const groups = expandIpv6(plain);
    return groups ? `${groups.slice(0, 4).join(':')}::/64` : 'unknown';
  }
  return 'unknown';
}

/** The client address as written, when it is one (garbage from a protocol peer is dropped). */
export function cleanIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const trimmed = ip.trim();
  return isIP(trimmed) ? trimmed : null;
}

function expandIpv6(address: string): string[] | null {
  const withoutZone = address.split('%')[0] ?? '';
  const [head, tail] = withoutZone.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':') : []);
  let groups = parse(head);
  if (tail !== undefined) {
    const rest = parse(tail);
    // An embedded IPv4 tail counts as two groups; the /64 prefix never reaches it.
    const restLength = rest.reduce((n, group) => n + (group.includes('.') ? 2 : 1), 0);
    groups = [...groups, ...Array(Math.max(8 - groups.length - restLength, 0)).fill('0'), ...rest];
  }
  if (groups.length < 4) return null;
  return groups.map((group) =>
    group.includes('.') ? group : (Number.parseInt(group, 16) || 0).toString(16),
  );
}

/** Great-circle distance (haversine, mean Earth radius 6371 km). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4, 6 or 0, like node:net's isIP (which a domain module may not import). */
export function isIP(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  const address = text.split('%')[0] ?? '';
  if (!/^[0-9a-fA-F:.]+$/.test(address) || !address.includes(':')) return 0;
  const parts = address.split('::');
  if (parts.length > 2) return 0;
  const groups = parts.flatMap((part) => (part === '' ? [] : part.split(':')));
  let count = 0;
  for (const [index, group] of groups.entries()) {
    if (group.includes('.')) {
      if (index !== groups.length - 1 || !IPV4.test(group)) return 0;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) count += 1;
    else return 0;
  }
  return (parts.length === 2 ? count < 8 : count === 8) ? 6 : 0;
}
