import type { DomainCheckName, DomainCheckResult } from '../score/index.js';
import type { CheckContext } from './checks.js';
import { createLimiter } from './limiter.js';
import { policySecureContext } from './mta-sts-fetch.js';
import { createResolver, describeDnsError, type ResolverOptions } from './resolver.js';

export interface DnsCheckerOptions extends ResolverOptions {
  /** Domain checks in flight at once, over every check and every caller of this checker. */
  concurrency: number;
  /** score.dkimSelectors: `selector` (every domain) or `domain:selector`. */
  dkimSelectors: readonly string[];
  mtaSts: { port: number; extraCa: string | null; timeoutMs: number };
}

export interface DnsChecker {
  check(name: DomainCheckName, domains: readonly string[]): Promise<DomainCheckResult[]>;
}

/**
 * Secure Score's domain checks against real DNS (and HTTPS for MTA-STS): SPF, DKIM and DMARC through
 * mailauth, on a resolver that can point at other servers (dns.servers). A check that throws, times
 * out or meets SERVFAIL gives `unknown` ("could not check"), never pass or fail.
 *
 * The checks (checks.ts, and with them mailauth: some 4 MB of heap) are loaded on the first check, not
 * at start: every `serve` worker builds this checker, and only the one that takes the score's
 * snapshot, or an admin reading the score, ever runs one. What can be wrong in the options (the
 * resolver's servers, the MTA-STS CA) is still found here, at start.
 */
export function createDnsChecker(options: DnsCheckerOptions): DnsChecker {
  const context: CheckContext = {
    resolve: createResolver(options),
    dkimSelectors: (domain) => selectorsFor(options.dkimSelectors, domain),
    mtaSts: options.mtaSts,
    mtaStsContext: policySecureContext(options.mtaSts.extraCa),
  };
  const limit = createLimiter(options.concurrency);
  let loading: Promise<typeof import('./checks.js')> | null = null;
  return {
    async check(name, domains) {
      loading ??= import('./checks.js');
      const { checks } = await loading;
      return Promise.all(
        domains.map((domain) =>
          limit(async (): Promise<DomainCheckResult> => {
            try {
              return { domain, ...(await checks[name](domain.toLowerCase(), context)) };
            } catch (error) {
              return { domain, outcome: 'unknown', detail: describeDnsError(error) };
            }
          }),
        ),
      );
    },
  };
}

export function selectorsFor(entries: readonly string[], domain: string): string[] {
  const selectors: string[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon < 0) selectors.push(entry.trim());
    else if (entry.slice(0, colon).trim().toLowerCase() === domain.toLowerCase())
      selectors.push(entry.slice(colon + 1).trim());
  }
  return [...new Set(selectors.filter(Boolean))];
}
