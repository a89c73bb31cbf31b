import { Resolver } from 'node:dns/promises';
import type { Message } from '../i18n/index.js';
import { checkMessage } from './check-message.js';

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

export function describeDnsError(error: unknown): Message {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case 'ETIMEOUT':
      return checkMessage('dnscheck.dns.timeout');
    case 'ESERVFAIL':
      return checkMessage('dnscheck.dns.servfail');
    case 'EREFUSED':
      return checkMessage('dnscheck.dns.refused');
    case 'ECONNREFUSED':
      return checkMessage('dnscheck.dns.unreachable');
    default:
      return code
        ? checkMessage('dnscheck.dns.code', { code })
        : checkMessage('dnscheck.dns.error', { error: (error as Error)?.message ?? String(error) });
  }
}

/** The DNS did not answer for `name` (a record other than the domain's own). */
export function dnsErrorAt(name: string, error: unknown): Message {
  return checkMessage('dnscheck.dns.at', { name, problem: describeDnsError(error) });
}

/** A node:dns Resolver on the configured servers (c-ares: UDP, TCP on truncation), as mailauth wants it. */
export function createResolver(options: ResolverOptions): DnsResolve {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: options.tries });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  return (name, type) => resolver.resolve(name, type as 'TXT') as Promise<unknown>;
}
