import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createDnsChecker, type DnsChecker } from '../../src/dnscheck/index.js';
import { inEnglish } from '../../src/i18n/index.js';
import type { DomainCheckName, DomainCheckResult } from '../../src/score/index.js';
import { startDnsServer, type TestDnsServer, type TestZone } from '../support/dns-server.js';
import { dkimPublicKey, enforcePolicy, goodDomain, testingPolicy, weakDomain } from '../support/dns-zones.js';
import { type MtaStsServer, startMtaStsServer } from '../support/mta-sts-server.js';
import { makeTempDir } from '../support/test-app.js';

describe('domain checks against a real DNS server and a real HTTPS policy host', () => {
  let dns: TestDnsServer;
  let https: MtaStsServer;
  let checker: DnsChecker;
  const temp = makeTempDir();

  before(async () => {
    const includes = Array.from({ length: 11 }, (_, index) => `i${index}.many.test`);
    const zone: TestZone = {
      ...goodDomain('good.test', 'sel2048'),
      ...weakDomain('weak.test', 'sel1024'),
      'soft.test': [
        { type: 'TXT', text: 'v=spf1 a ~all' },
        { type: 'A', address: '127.0.0.2' },
      ],
      'ed._domainkey.soft.test': [{ type: 'TXT', text: `v=DKIM1; k=ed25519; p=${dkimPublicKey('ed25519')}` }],
      '_dmarc.soft.test': [{ type: 'TXT', text: 'v=DMARC1; p=quarantine' }],
      'neutral.test': [{ type: 'TXT', text: 'v=spf1 ip4:198.51.100.7' }],
      'many.test': [
        { type: 'TXT', text: `v=spf1 ${includes.map((name) => `include:${name}`).join(' ')} -all` },
      ],
      ...Object.fromEntries(
        includes.map((name) => [name, [{ type: 'TXT' as const, text: 'v=spf1 ip4:198.51.100.9 -all' }]]),
      ),
      // MTA-STS published, but the policy host answers 404.
      '_mta-sts.nopolicy.test': [{ type: 'TXT', text: 'v=STSv1; id=7' }],
      'mta-sts.nopolicy.test': [{ type: 'A', address: '127.0.0.1' }],
      // Enforce, but the real MX is not in the policy.
      ...goodDomain('stsmx.test', 'x'),
      'stsmx.test': [{ type: 'MX', exchange: 'other-mx.example.net', priority: 5 }],
    };
    dns = await startDnsServer(zone, { servfail: ['broken.test'], silent: ['slow.test'] });
    https = await startMtaStsServer(
      {
        'mta-sts.good.test': enforcePolicy('good.test'),
        'mta-sts.weak.test': testingPolicy('weak.test'),
        'mta-sts.stsmx.test': enforcePolicy('stsmx.test'),
      },
      temp.dir,
      {
        certifiedHosts: [
          'mta-sts.good.test',
          'mta-sts.weak.test',
          'mta-sts.stsmx.test',
          'mta-sts.nopolicy.test',
        ],
      },
    );
    checker = createDnsChecker({
      servers: [dns.address],
      timeoutMs: 2000,
      tries: 1,
      concurrency: 4,
      dkimSelectors: ['good.test:sel2048', 'weak.test:sel1024', 'soft.test:ed'],
      mtaSts: { port: https.port, extraCa: readFileSync(https.caFile, 'utf8'), timeoutMs: 3000 },
    });
  });
  after(async () => {
    await dns?.close();
    await https?.close();
    temp.remove();
  });

  /** One check's result, with its detail in English (the CLI's words) as `text`. */
  async function one(name: DomainCheckName, domain: string): Promise<DomainCheckResult & { text: string }> {
    const [result] = await checker.check(name, [domain]);
    assert.ok(result);
    assert.equal(result.domain, domain);
    return { ...result, text: inEnglish(result.detail) };
  }

  test('a domain with every record right passes all six checks', async () => {
    for (const name of ['spf', 'dkim', 'dmarc', 'mta-sts', 'tls-rpt', 'mx'] as const) {
      const result = await one(name, 'good.test');
      assert.equal(result.outcome, 'pass', `${name}: ${result.text}`);
    }
    assert.match((await one('dkim', 'good.test')).text, /RSA 2048 bits/);
    assert.match((await one('mta-sts', 'good.test')).text, /enforce/);
    assert.ok(https.requests.includes('mta-sts.good.test/.well-known/mta-sts.txt'));
  });

  test('SPF passes with -all or ~all and fails with +all, no all, or more than 10 lookups', async () => {
    assert.equal((await one('spf', 'soft.test')).outcome, 'pass');
    assert.match((await one('spf', 'soft.test')).text, /~all/);
    assert.equal((await one('spf', 'weak.test')).outcome, 'fail');
    assert.equal((await one('spf', 'neutral.test')).outcome, 'fail');
    const many = await one('spf', 'many.test');
    assert.equal(many.outcome, 'fail');
    assert.match(many.text, /Too many DNS/i);
    assert.equal((await one('spf', 'nothing.test')).outcome, 'fail');
  });

  test('DKIM needs the configured selector and a key of at least 2048 bits or Ed25519', async () => {
    const ed = await one('dkim', 'soft.test');
    assert.equal(ed.outcome, 'pass', ed.text);
    assert.match(ed.text, /Ed25519/);
    const short = await one('dkim', 'weak.test');
    assert.equal(short.outcome, 'fail');
    assert.match(short.text, /shorter than 2048/);
    const unconfigured = await one('dkim', 'neutral.test');
    assert.equal(unconfigured.outcome, 'fail');
    assert.match(unconfigured.text, /no DKIM selector configured/);
  });

  test('DMARC needs p=quarantine or p=reject and a rua= address', async () => {
    assert.equal((await one('dmarc', 'weak.test')).outcome, 'fail');
    const noRua = await one('dmarc', 'soft.test');
    assert.equal(noRua.outcome, 'fail');
    assert.match(noRua.text, /without rua/);
    assert.equal((await one('dmarc', 'neutral.test')).outcome, 'fail');
  });

  test('MTA-STS fails in testing mode, with an unreachable policy, or when the policy misses an MX', async () => {
    const testing = await one('mta-sts', 'weak.test');
    assert.equal(testing.outcome, 'fail');
    assert.match(testing.text, /testing/);
    const missing = await one('mta-sts', 'nopolicy.test');
    assert.equal(missing.outcome, 'fail');
    assert.match(missing.text, /not reachable.*404/);
    const mx = await one('mta-sts', 'stsmx.test');
    assert.equal(mx.outcome, 'fail');
    assert.match(mx.text, /other-mx\.example\.net/);
    assert.equal((await one('mta-sts', 'neutral.test')).outcome, 'fail');
  });

  test('TLS-RPT and MX fail when they are not published', async () => {
    assert.equal((await one('tls-rpt', 'weak.test')).outcome, 'fail');
    assert.equal((await one('mx', 'weak.test')).outcome, 'fail');
    assert.equal((await one('mx', 'nothing.test')).outcome, 'fail');
  });

  test('SERVFAIL and a server that never answers are "could not check", never pass or fail', async () => {
    for (const domain of ['broken.test', 'slow.test']) {
      for (const name of ['spf', 'dkim', 'dmarc', 'mta-sts', 'tls-rpt', 'mx'] as const) {
        if (name === 'dkim') continue; // no selector is configured for them: a configuration gap, checked below
        const result = await one(name, domain);
        assert.equal(result.outcome, 'unknown', `${domain} ${name}: ${result.outcome} ${result.text}`);
      }
    }
    assert.ok(dns.queries.some((query) => query.startsWith('slow.test')));
  });

  test('a DKIM selector whose DNS does not answer is "could not check"', async () => {
    const withSelector = createDnsChecker({
      servers: [dns.address],
      timeoutMs: 300,
      tries: 1,
      concurrency: 2,
      dkimSelectors: ['sel'],
      mtaSts: { port: https.port, extraCa: null, timeoutMs: 1000 },
    });
    const [broken, slow] = await withSelector.check('dkim', ['broken.test', 'slow.test']);
    assert.equal(broken?.outcome, 'unknown');
    assert.equal(slow?.outcome, 'unknown');
  });

  test('the policy host certificate is verified: without the test CA the policy is not reachable', async () => {
    const untrusting = createDnsChecker({
      servers: [dns.address],
      timeoutMs: 2000,
      tries: 1,
      concurrency: 2,
      dkimSelectors: [],
      mtaSts: { port: https.port, extraCa: null, timeoutMs: 3000 },
    });
    const [result] = await untrusting.check('mta-sts', ['good.test']);
    assert.equal(result?.outcome, 'fail');
    assert.match(result ? inEnglish(result.detail) : '', /not reachable/);
  });
});
