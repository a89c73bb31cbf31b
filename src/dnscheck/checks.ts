import type { SecureContext } from 'node:tls';
import getDmarcRecord from 'mailauth/lib/dmarc/get-dmarc-record.js';
import { parsePolicy, resolvePolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import { spf } from 'mailauth/lib/spf/index.js';
import { getPublicKey, parseTagValueRecord } from 'mailauth/lib/tools.js';
import { items, type Message } from '../i18n/index.js';
import type { DomainCheckName, DomainCheckResult } from '../score/index.js';
import { checkMessage as say } from './check-message.js';
import { fetchPolicyText, type PolicyFetchOptions } from './mta-sts-fetch.js';
import { type DnsResolve, describeDnsError, dnsErrorAt, isAbsent } from './resolver.js';

export interface CheckContext {
  resolve: DnsResolve;
  /** Selectors configured for this domain (score.dkimSelectors). */
  dkimSelectors(domain: string): string[];
  mtaSts: PolicyFetchOptions;
  mtaStsContext: SecureContext | undefined;
}

type Outcome = Omit<DomainCheckResult, 'domain'>;
const pass = (detail: Message): Outcome => ({ outcome: 'pass', detail });
const fail = (detail: Message): Outcome => ({ outcome: 'fail', detail });
const unknown = (detail: Message): Outcome => ({ outcome: 'unknown', detail });

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
    // The record's text and mailauth's words for what is wrong with it are data, written as they came.
    const seen = { record: record ?? 'SPF', lookups: lookups ?? '?' };
    switch (result.status.result) {
      case 'fail':
        return pass(say('dnscheck.spf.hardFail', seen));
      case 'softfail':
        return pass(say('dnscheck.spf.softFail', seen));
      case 'pass':
        return fail(record ? say('dnscheck.spf.allowsAny', { record }) : say('dnscheck.spf.allowsAnyUnseen'));
      case 'neutral':
        return fail(record ? say('dnscheck.spf.noAll', { record }) : say('dnscheck.spf.noAllUnseen'));
      case 'none':
        return fail(say('dnscheck.spf.none'));
      case 'permerror': {
        const problem = comment.replace(
          /^.*?: permanent error in processing during lookup of [^:]*:?\s*/,
          '',
        );
        return fail(problem ? say('dnscheck.spf.broken', { problem }) : say('dnscheck.spf.brokenUnknown'));
      }
      default: {
        // mailauth reports the resolver's error in its text (queryTxt ETIMEOUT example.org).
        const code = /\b(E[A-Z]+)\b/.exec(comment)?.[1];
        return unknown(code ? describeDnsError({ code }) : say('dnscheck.dns.temporary'));
      }
    }
  },

  async dkim(domain, context) {
    const selectors = context.dkimSelectors(domain);
    if (selectors.length === 0) return fail(say('dnscheck.dkim.noSelector', { domain }));
    const found: Message[] = [];
    for (const selector of selectors) {
      const name = `${selector}._domainkey.${domain}`;
      try {
        const key = await getPublicKey('DKIM', name, MIN_RSA_BITS, context.resolve);
        // Key sizes are written as the standards write them ("2048 bits"), not as amounts ("2,048").
        found.push(
          key.modulusLength
            ? say('dnscheck.dkim.rsa', { selector, bits: String(key.modulusLength) })
            : say('dnscheck.dkim.ed25519', { selector }),
        );
      } catch (error) {
        if (isAbsent(error)) return fail(say('dnscheck.dkim.noKey', { name }));
        const code = (error as { code?: string }).code;
        if (code === 'ESHORTKEY')
          return fail(say('dnscheck.dkim.shortKey', { selector, bits: String(MIN_RSA_BITS) }));
        if (code === 'EINVALIDVAL' || code === 'EINVALIDVER' || code === 'EINVALIDTYPE')
          return fail(
            say('dnscheck.dkim.invalid', {
              selector,
              problem: (error as Error).message.replace(/\s*\(\$\{keyType\}\)/, ''),
            }),
          );
        return unknown(dnsErrorAt(name, error));
      }
    }
    return pass(say('dnscheck.dkim.keys', { keys: items(found) }));
  },

  async dmarc(domain, context) {
    let record: Awaited<ReturnType<typeof getDmarcRecord>>;
    try {
      record = await getDmarcRecord(domain, context.resolve);
    } catch (error) {
      return unknown(describeDnsError(error));
    }
    if (!record) return fail(say('dnscheck.dmarc.none'));
    const p = String(record.p ?? 'none').toLowerCase();
    const rua = typeof record.rua === 'string' ? record.rua.trim() : '';
    const policy = say(record.isOrgRecord ? 'dnscheck.dmarc.orgPolicy' : 'dnscheck.dmarc.policy', {
      policy: p,
    });
    if (p !== 'quarantine' && p !== 'reject') return fail(say('dnscheck.dmarc.monitorsOnly', { policy }));
    if (!rua) return fail(say('dnscheck.dmarc.noRua', { policy }));
    return pass(say('dnscheck.dmarc.pass', { policy, rua }));
  },

  async 'mta-sts'(domain, context) {
    let id: string | false;
    try {
      id = await resolvePolicy(domain, { resolver: context.resolve as never });
    } catch (error) {
      if ((error as { code?: string }).code === 'multi_sts_records')
        return fail(say('dnscheck.mtaSts.multiple'));
      return unknown(dnsErrorAt(`_mta-sts.${domain}`, error));
    }
    if (!id) return fail(say('dnscheck.mtaSts.noRecord', { domain }));
    const host = `mta-sts.${domain}`;
    let addresses: string[];
    try {
      addresses = (await context.resolve(host, 'A')) as string[];
    } catch (error) {
      if (!isAbsent(error)) return unknown(dnsErrorAt(host, error));
      try {
        addresses = (await context.resolve(host, 'AAAA')) as string[];
      } catch (error6) {
        if (!isAbsent(error6)) return unknown(dnsErrorAt(host, error6));
        return fail(say('dnscheck.mtaSts.noAddress', { host }));
      }
    }
    const address = addresses[0];
    if (!address) return fail(say('dnscheck.mtaSts.noAddress', { host }));
    const fetched = await fetchPolicyText(domain, address, context.mtaSts, context.mtaStsContext);
    if (!fetched.ok) return fail(say('dnscheck.mtaSts.unreachable', { problem: fetched.error }));
    let policy: ReturnType<typeof parsePolicy>;
    try {
      policy = parsePolicy(fetched.text);
    } catch (error) {
      return fail(say('dnscheck.mtaSts.invalid', { problem: (error as Error).message }));
    }
    if (policy.mode !== 'enforce')
      return fail(say('dnscheck.mtaSts.notEnforce', { mode: String(policy.mode) }));
    let mxHosts: Array<{ exchange: string }> = [];
    try {
      mxHosts = (await context.resolve(domain, 'MX')) as Array<{ exchange: string }>;
    } catch (error) {
      if (!isAbsent(error))
        return unknown(say('dnscheck.dns.mxOf', { domain, problem: describeDnsError(error) }));
    }
    const uncovered = mxHosts.filter((mx) => !validateMx(mx.exchange, policy).valid).map((mx) => mx.exchange);
    if (uncovered.length > 0) return fail(say('dnscheck.mtaSts.uncovered', { hosts: uncovered.join(', ') }));
    // The id and max_age as the policy writes them (values of the record, not amounts).
    return pass(say('dnscheck.mtaSts.pass', { id: String(id), maxAge: String(policy.maxAge) }));
  },

  async 'tls-rpt'(domain, context) {
    const name = `_smtp._tls.${domain}`;
    let rows: string[][];
    try {
      rows = (await context.resolve(name, 'TXT')) as string[][];
    } catch (error) {
      return isAbsent(error)
        ? fail(say('dnscheck.tlsRpt.noRecord', { name }))
        : unknown(dnsErrorAt(name, error));
    }
    const records = rows
      .map((row) => row.join('').trim())
      .filter((text) => /^v=TLSRPTv1\s*(;|$)/i.test(text));
    if (records.length === 0) return fail(say('dnscheck.tlsRpt.noV1', { name }));
    if (records.length > 1) return fail(say('dnscheck.tlsRpt.multiple', { name }));
    const record = parseTagValueRecord(records[0]!);
    if (!record.isValid) return fail(say('dnscheck.tlsRpt.invalid', { problems: record.errors.join('; ') }));
    const rua = (record.tags['rua'] ?? '').trim();
    const uris = rua
      .split(',')
      .map((uri) => uri.trim())
      .filter(Boolean);
    if (uris.length === 0) return fail(say('dnscheck.tlsRpt.noRua'));
    const bad = uris.filter((uri) => !/^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/i.test(uri));
    if (bad.length > 0) return fail(say('dnscheck.tlsRpt.badRua', { uris: bad.join(', ') }));
    return pass(say('dnscheck.tlsRpt.pass', { uris: uris.join(',') }));
  },

  async mx(domain, context) {
    let records: Array<{ exchange: string; priority: number }>;
    try {
      records = (await context.resolve(domain, 'MX')) as Array<{ exchange: string; priority: number }>;
    } catch (error) {
      return isAbsent(error) ? fail(say('dnscheck.mx.none')) : unknown(describeDnsError(error));
    }
    if (records.length === 0) return fail(say('dnscheck.mx.none'));
    const real = records.filter((record) => record.exchange !== '' && record.exchange !== '.');
    if (real.length === 0) return fail(say('dnscheck.mx.null'));
    const hosts = real
      .sort((a, b) => a.priority - b.priority)
      .map((record) => `${record.priority} ${record.exchange}`)
      .join(', ');
    return pass(say('dnscheck.mx.pass', { hosts }));
  },
};
