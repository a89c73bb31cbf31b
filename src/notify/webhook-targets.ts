import type { LookupAddress } from 'node:dns';
import { Resolver, lookup as systemLookup } from 'node:dns/promises';
import {
  type AddressBytes,
  formatAddress,
  type InternalAddressKind,
  type IpRange,
  internalAddressKind,
  parseAddress,
  parseRange,
  rangeContains,
} from './ip-ranges.js';

export interface WebhookTargetOptions {
  /**
   * notify.webhooks.allowInternalHosts: host names (as written in the webhook URL) and addresses or
   * CIDR ranges that a webhook may reach although they are internal.
   */
  allowInternalHosts: readonly string[];
  /** dns.servers: empty means the system resolver (getaddrinfo, /etc/hosts included). */
  dnsServers: readonly string[];
  dnsTimeoutMs: number;
  dnsTries: number;
}

export type TargetVerdict = { ok: true } | { ok: false; reason: string };

/** One resolved address a connection may be made to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** `refused`: an internal address nobody allowed (final); `unresolved`: DNS failed (worth a retry). */
export type TargetResolution =
  | { ok: true; addresses: ResolvedAddress[] }
  | { ok: false; kind: 'refused' | 'unresolved'; reason: string };

const ALLOW_KEY = 'notify.webhooks.allowInternalHosts';

/**
 * Which hosts a webhook may reach. Webhooks are made by admins but post from inside the network, so
 * without this a webhook is a way to reach what only the server can reach (cloud metadata at
 * 169.254.169.254, an admin port on 127.0.0.1) and its delivery log a port scanner. The URL is judged
 * when a webhook is added, and the address actually connected to at every attempt (a name may resolve
 * elsewhere later: DNS rebinding), so the resolved address is checked inside the connection's lookup.
 */
export function createWebhookTargets(options: WebhookTargetOptions) {
  const allowedNames = new Set<string>();
  const allowedRanges: IpRange[] = [];
  for (const entry of options.allowInternalHosts) {
    const range = parseRange(entry.trim());
    if (range) allowedRanges.push(range);
    else allowedNames.add(entry.trim().toLowerCase().replace(/\.$/, ''));
  }
  const resolver =
    options.dnsServers.length > 0
      ? new Resolver({ timeout: options.dnsTimeoutMs, tries: options.dnsTries })
      : null;
  resolver?.setServers([...options.dnsServers]);

  const isAllowedName = (hostname: string) => allowedNames.has(hostname.toLowerCase().replace(/\.$/, ''));

  function judgeAddress(hostname: string, bytes: AddressBytes): TargetVerdict {
    const kind = internalAddressKind(bytes);
    if (kind === null || isAllowedName(hostname) || allowedRanges.some((r) => rangeContains(r, bytes)))
      return { ok: true };
    const address = formatAddress(bytes);
    const via = parseAddress(hostname) ? '' : `${hostname} resolves to `;
    return {
      ok: false,
      reason: `${via}${address}, ${describeKind(kind)}; webhooks reach internal hosts only when ${ALLOW_KEY} lists them`,
    };
  }

  /** What the URL itself says: an internal address literal, or a name that is always the host itself. */
  function judgeUrl(url: URL): TargetVerdict {
    const hostname = url.hostname;
    const literal = parseAddress(hostname);
    if (literal) return judgeAddress(hostname, literal);
    const name = hostname.toLowerCase().replace(/\.$/, '');
    // RFC 6761 §6.3: localhost and every name under it are the loopback interface.
    if ((name === 'localhost' || name.endsWith('.localhost')) && !isAllowedName(name))
      return {
        ok: false,
        reason: `${hostname} is the loopback interface; webhooks reach internal hosts only when ${ALLOW_KEY} lists them`,
      };
    return { ok: true };
  }

  async function resolveAll(hostname: string): Promise<ResolvedAddress[]> {
    if (!resolver) {
      const found: LookupAddress[] = await systemLookup(hostname, { all: true, verbatim: true });
      return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
    }
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const addresses: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (addresses.length === 0) throw v4.status === 'rejected' ? v4.reason : new Error('no addresses');
    return addresses;
  }

  /**
   * The addresses a connection to `hostname` may use. Every one must pass: a name that resolves to
   * a public and an internal address is refused as a whole rather than tried in turn.
   */
  async function resolveTarget(hostname: string): Promise<TargetResolution> {
    const literal = parseAddress(hostname);
    if (literal) {
      const verdict = judgeAddress(hostname, literal);
      if (!verdict.ok) return { ok: false, kind: 'refused', reason: verdict.reason };
      return {
        ok: true,
        addresses: [{ address: formatAddress(literal), family: literal.length === 4 ? 4 : 6 }],
      };
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await resolveAll(hostname);
    } catch (error) {
      const code = (error as { code?: string }).code;
      return {
        ok: false,
        kind: 'unresolved',
        reason: `DNS: ${hostname} not resolved (${code ?? (error as Error).message})`,
      };
    }
    for (const entry of addresses) {
      const verdict = judgeAddress(hostname, parseAddress(entry.address) ?? new Uint8Array(4));
      if (!verdict.ok) return { ok: false, kind: 'refused', reason: verdict.reason };
    }
    return { ok: true, addresses };
  }

  return { judgeUrl, resolveTarget };
}

export type WebhookTargets = ReturnType<typeof createWebhookTargets>;

function describeKind(kind: InternalAddressKind): string {
  switch (kind) {
    case 'unspecified':
      return 'an unspecified address';
    case 'loopback':
      return 'a loopback address';
    case 'private':
      return 'a private address';
    case 'shared':
      return 'a shared (carrier-grade NAT) address';
    case 'link-local':
      return 'a link-local address (cloud metadata lives there)';
    case 'unique-local':
      return 'a unique-local address';
    case 'multicast':
      return 'a multicast address';
    case 'reserved':
      return 'a reserved address';
  }
}
