import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { enforcePolicy, goodDomain, testingPolicy, weakDomain } from '../support/dns-zones.js';
import { type MtaStsServer, startMtaStsServer } from '../support/mta-sts-server.js';
import { cliActor, createTestApp, makeTempDir, type TestApp } from '../support/test-app.js';

const domainControls = [
  'domains.spf',
  'domains.dkim',
  'domains.dmarc',
  'domains.mta-sts',
  'domains.tls-rpt',
  'domains.mx',
];

describe("domain controls: partial credit by share of the org's domains, from real DNS", () => {
  let dns: TestDnsServer;
  let https: MtaStsServer;
  let testApp: TestApp;
  const temp = makeTempDir();

  before(async () => {
    dns = await startDnsServer(
      { ...goodDomain('good.test', 'mail'), ...weakDomain('weak.test', 'mail') },
      { servfail: ['broken.test'] },
    );
    https = await startMtaStsServer(
      { 'mta-sts.good.test': enforcePolicy('good.test'), 'mta-sts.weak.test': testingPolicy('weak.test') },
      temp.dir,
    );
    testApp = await createTestApp('sqlite', {
      overrides: {
        'dns.servers': [dns.address],
        'dns.timeoutMs': 2000,
        'dns.tries': 1,
        'score.dkimSelectors': ['mail'],
        'score.mtaStsPort': https.port,
        'score.mtaStsCaFile': https.caFile,
      },
    });
    for (const domain of ['good.test', 'weak.test'])
      assert.ok((await testApp.app.directory.addDomain(domain, cliActor)).ok);
  });
  after(async () => {
    await testApp?.cleanup();
    await dns?.close();
    await https?.close();
    temp.remove();
  });

  test('one good and one weak domain earn half of each domain control', async () => {
    const report = await testApp.app.score.report();
    for (const id of domainControls) {
      const control = report.controls.find((c) => c.id === id);
      assert.ok(control, id);
      assert.equal(control.status, 'partial', `${id}: ${control.measured.current}`);
      assert.equal(control.points, control.maxPoints / 2, id);
      const domains = control.measured.detail?.['domains'] as Record<string, { outcome: string }>;
      assert.equal(domains['good.test']?.outcome, 'pass', id);
      assert.equal(domains['weak.test']?.outcome, 'fail', id);
    }
    const category = report.categories.find((c) => c.category === 'domains');
    assert.equal(category?.score, (category?.maxScore ?? 0) / 2);
  });

  test('a domain whose DNS answers SERVFAIL makes the control "could not check", without points for it', async () => {
    assert.ok((await testApp.app.directory.addDomain('broken.test', cliActor)).ok);
    const outcome = await testApp.app.score.control('domains.spf');
    assert.ok(outcome.ok);
    assert.equal(outcome.control.status, 'not-available');
    assert.equal(outcome.control.points, Math.round((5 / 3) * 100) / 100);
    assert.match(outcome.control.measured.current, /broken\.test: could not check/);
  });
});
