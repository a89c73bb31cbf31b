import type { SecureContext } from 'node:tls';
import getDmarcRecord from 'mailauth/lib/dmarc/get-dmarc-record.js';
import { parsePolicy, resolvePolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import { spf } from 'mailauth/lib/spf/index.js';
import { getPublicKey, parseTagValueRecord } from 'mailauth/lib/tools.js';
import type { DomainCheckName, DomainCheckResult } from '../score/index.js';
import { fetchPolicyText, type PolicyFetchOptions } from './mta-sts-fetch.js';
import { type DnsResolve, describeDnsError, isAbsent } from './resolver.js';

export interface CheckContext {
  resolve: DnsResolve;
  /** Selectors configured for this domain (score.dkimSelectors). */
  dkimSelectors(domain: string): string[];
  mtaSts: PolicyFetchOptions;
  mtaStsContext: SecureContext | undefined;
}

type Outcome = Omit<DomainCheckResult, 'domain'>;
const pass = (detail: string): Outcome => ({ outcome: 'pass', detail });
const fail = (detail: string): Outcome => ({ outcome: 'fail', detail });
const unknown = (detail: string): Outcome => ({ outcome: 'unknown', detail });

/** An address no SPF record should allow (RFC 5737 TEST-NET-1): evaluating it reaches the record's `all`. */
const PROBE_IP = '192.0.2.1';
const MIN_RSA_BITS = 2048;

export const checks: Record<DomainCheckName, (domain: string, context: CheckContext) => Promise<Outcome>> = {
  async spf(domain, context) {
    const result = await spf({
      sender: `postmaster@${domain}`,
      ip: PROBE_IP,
      helo: domain,
      mta: 'mailwarden-score',
      resolver: context.resolve as never,
    });
    const record = (result as { rr?: string }).rr;
    const lookups = (result as { lookups?: { count: number } }).lookups?.count;
    const comment = result.status.comment ?? '';
    switch (result.status.result) {
      case 'fail':
        return pass(`${record ?? 'SPF'} (-all, ${lookups ?? '?'} lookups)`);
      case 'softfail':
        return pass(`${record ?? 'SPF'} (~all, ${lookups ?? '?'} lookups)`);
      case 'pass':
        return fail(`SPF allows any sender (${record ?? 'e.g. +all'})`);
      case 'neutral':
        return fail(`SPF does not end in -all or ~all (${record ?? 'no all'})`);
      case 'none':
        return fail('no SPF record');
      case 'permerror':
        return fail(
          `SPF is broken: ${comment.replace(/^.*?: permanent error in processing during lookup of [^:]*:?\s*/, '') || 'permanent error'}`,
        );
      default: {
        // mailauth reports the resolver's error in its text (queryTxt ETIMEOUT example.org).
        const code = /\b(E[A-Z]+)\b/.exec(comment)?.[1];
        return unknown(code ? describeDnsError({ code }) : 'temporary DNS error');
      }
    }
  },

  async dkim(domain, context) {
    const selectors = context.dkimSelectors(domain);
    if (selectors.length === 0)
      return fail(`no DKIM selector configured for ${domain} (score.dkimSelectors)`);
    const found: string[] = [];
    for (const selector of selectors) {
      const name = `${selector}._domainkey.${domain}`;
      try {
        const key = await getPublicKey('DKIM', name, MIN_RSA_BITS, context.resolve);
        found.push(key.modulusLength ? `${selector}: RSA ${key.modulusLength} bits` : `${selector}: Ed25519`);
      } catch (error) {
        if (isAbsent(error)) return fail(`no DKIM key at ${name}`);
        const code = (error as { code?: string }).code;
        if (code === 'ESHORTKEY') return fail(`${selector}: RSA key shorter than ${MIN_RSA_BITS} bits`);
        if (code === 'EINVALIDVAL' || code === 'EINVALIDVER' || code === 'EINVALIDTYPE')
          return fail(`${selector}: ${(error as Error).message.replace(/\s*\(\$\{keyType\}\)/, '')}`);
        return unknown(`${name}: ${describeDnsError(error)}`);
      }
    }
    return pass(found.join(', '));
  },

  async dmarc(domain, context) {
    let record: Awaited<ReturnType<typeof getDmarcRecord>>;
    try {
      record = await getDmarcRecord(domain, context.resolve);
    } catch (error) {
      return unknown(describeDnsError(error));
    }
    if (!record) return fail('no DMARC record');
    const policy = String(record.p ?? 'none').toLowerCase();
    const rua = typeof record.rua === 'string' ? record.rua.trim() : '';
    const where = record.isOrgRecord ? ' (organizational domain)' : '';
    if (policy !== 'quarantine' && policy !== 'reject') return fail(`p=${policy}${where}: only monitors`);
    if (!rua) return fail(`p=${policy}${where} without rua= reporting`);
    return pass(`p=${policy}, rua=${rua}${where}`);
  },

  async 'mta-sts'(domain, context) {
    let id: string | false;
    try {
      id = await resolvePolicy(domain, { resolver: context.resolve as never });
    } catch (error) {
      if ((error as { code?: string }).code === 'multi_sts_records')
        return fail('more than one _mta-sts record');
      return unknown(`_mta-sts.${domain}: ${describeDnsError(error)}`);
    }
    if (!id) return fail(`no _mta-sts.${domain} TXT record (v=STSv1)`);
    const host = `mta-sts.${domain}`;
    let addresses: string[];
    try {
      addresses = (await context.resolve(host, 'A')) as string[];
    } catch (error) {
      if (!isAbsent(error)) return unknown(`${host}: ${describeDnsError(error)}`);
      try {
        addresses = (await context.resolve(host, 'AAAA')) as string[];
      } catch (error6) {
        if (!isAbsent(error6)) return unknown(`${host}: ${describeDnsError(error6)}`);
        return fail(`${host} has no address: the policy is not reachable`);
      }
    }
    const address = addresses[0];
    if (!address) return fail(`${host} has no address: the policy is not reachable`);
    const fetched = await fetchPolicyText(domain, address, context.mtaSts, context.mtaStsContext);
    if (!fetched.ok) return fail(`policy not reachable: ${fetched.error}`);
    let policy: ReturnType<typeof parsePolicy>;
    try {
      policy = parsePolicy(fetched.text);
    } catch (error) {
      return fail(`policy invalid: ${(error as Error).message}`);
    }
    if (policy.mode !== 'enforce') return fail(`policy mode ${policy.mode}, not enforce`);
    let mxHosts: Array<{ exchange: string }> = [];
    try {
      mxHosts = (await context.resolve(domain, 'MX')) as Array<{ exchange: string }>;
    } catch (error) {
      if (!isAbsent(error)) return unknown(`MX of ${domain}: ${describeDnsError(error)}`);
    }
    const uncovered = mxHosts.filter((mx) => !validateMx(mx.exchange, policy).valid).map((mx) => mx.exchange);
    if (uncovered.length > 0) return fail(`enforce, but the policy does not list MX ${uncovered.join(', ')}`);
    return pass(`enforce (id ${id}, max_age ${policy.maxAge})`);
  },

  async 'tls-rpt'(domain, context) {
    const name = `_smtp._tls.${domain}`;
    let rows: string[][];
    try {
      rows = (await context.resolve(name, 'TXT')) as string[][];
    } catch (error) {
      return isAbsent(error) ? fail(`no ${name} TXT record`) : unknown(`${name}: ${describeDnsError(error)}`);
    }
    const records = rows
      .map((row) => row.join('').trim())
      .filter((text) => /^v=TLSRPTv1\s*(;|$)/i.test(text));
    if (records.length === 0) return fail(`no TLSRPTv1 record at ${name}`);
    if (records.length > 1) return fail(`more than one TLSRPTv1 record at ${name}`);
    const record = parseTagValueRecord(records[0]!);
    if (!record.isValid) return fail(`TLS-RPT record invalid: ${record.errors.join('; ')}`);
    const rua = (record.tags['rua'] ?? '').trim();
    const uris = rua
      .split(',')
      .map((uri) => uri.trim())
      .filter(Boolean);
    if (uris.length === 0) return fail('TLS-RPT without rua=');
    const bad = uris.filter((uri) => !/^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/i.test(uri));
    if (bad.length > 0) return fail(`TLS-RPT rua= not mailto: or https: (${bad.join(', ')})`);
    return pass(`rua=${uris.join(',')}`);
  },

  async mx(domain, context) {
    let records: Array<{ exchange: string; priority: number }>;
    try {
      records = (await context.resolve(domain, 'MX')) as Array<{ exchange: string; priority: number }>;
    } catch (error) {
      return isAbsent(error) ? fail('no MX record') : unknown(describeDnsError(error));
    }
    if (records.length === 0) return fail('no MX record');
    const real = records.filter((record) => record.exchange !== '' && record.exchange !== '.');
    if (real.length === 0) return fail('null MX (RFC 7505): the domain receives no mail');
    return pass(
      real
        .sort((a, b) => a.priority - b.priority)
        .map((record) => `${record.priority} ${record.exchange}`)
        .join(', '),
    );
  },
};
