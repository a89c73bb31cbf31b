import { Resolver } from 'node:dns/promises';

/** The resolver function mailauth takes: (name, rrtype) → records, throwing node:dns errors. */
export type DnsResolve = (name: string, type: string) => Promise<unknown>;

export interface ResolverOptions {
  /** host:port (or host) of each server; empty: the system's (/etc/resolv.conf). */
  servers: readonly string[];
  timeoutMs: number;
  tries: number;
}

/** Absent: the name or the record does not exist, an answer; everything else: the DNS did not answer. */
export function isAbsent(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

export function describeDnsError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case 'ETIMEOUT':
      return 'DNS timeout';
    case 'ESERVFAIL':
      return 'DNS SERVFAIL';
    case 'EREFUSED':
      return 'DNS query refused';
    case 'ECONNREFUSED':
      return 'DNS server unreachable';
    default:
      return code ? `DNS error ${code}` : `DNS error: ${(error as Error)?.message ?? String(error)}`;
  }
}

/** A node:dns Resolver on the configured servers (c-ares: UDP, TCP on truncation), as mailauth wants it. */
export function createResolver(options: ResolverOptions): DnsResolve {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: options.tries });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  return (name, type) => resolver.resolve(name, type as 'TXT') as Promise<unknown>;
}
