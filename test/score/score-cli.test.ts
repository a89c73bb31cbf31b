import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, runMailwarden, startMailwardenServe } from '../support/cli-process.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { enforcePolicy, goodDomain } from '../support/dns-zones.js';
import { type MtaStsServer, startMtaStsServer } from '../support/mta-sts-server.js';
import { makeTempDir } from '../support/test-app.js';

// biome-ignore lint/suspicious/noExplicitAny: the test reads whatever JSON the CLI printed
type Json = any;

describe('mailwarden score (the built CLI, real DNS and HTTPS on loopback)', () => {
  const temp = makeTempDir('mailwarden-score-');
  let env: Record<string, string>;
  let dns: TestDnsServer;
  let https: MtaStsServer;

  before(async () => {
    dns = await startDnsServer(goodDomain('good.test', 'mail2026'));
    https = await startMtaStsServer({ 'mta-sts.good.test': enforcePolicy('good.test') }, temp.dir);
    env = {
      MAILWARDEN_DATA_DIR: path.join(temp.dir, 'data'),
      MAILWARDEN_DNS_SERVERS: dns.address,
      MAILWARDEN_DNS_TIMEOUT_MS: '2000',
      MAILWARDEN_SCORE_DKIM_SELECTORS: 'good.test:mail2026',
      MAILWARDEN_SCORE_MTA_STS_PORT: String(https.port),
      MAILWARDEN_SCORE_MTA_STS_CA_FILE: https.caFile,
    };
    assert.equal((await runMailwarden(['domain', 'add', 'good.test'], { env })).code, 0);
    const admin = await runMailwarden(['user', 'add', 'admin@good.test', '--admin', '--password-stdin'], {
      env,
      input: 'admin-password-123\n',
    });
    assert.equal(admin.code, 0, admin.stderr);
  });
  after(async () => {
    await dns?.close();
    await https?.close();
    temp.remove();
  });

  test('score --json: totals, categories and every control with its recommendation, DNS checked for real', async () => {
    const result = await runMailwarden(['score', '--json'], { env });
    assert.equal(result.code, 0, result.stderr);
    const report: Json = JSON.parse(result.stdout);
    assert.ok(report.controls.length >= 25);
    for (const key of ['score', 'maxScore', 'percentage', 'achievableScore', 'categories'])
      assert.ok(key in report, key);
    const domains = report.controls.filter((c: Json) => c.category === 'domains');
    assert.equal(domains.length, 6);
    for (const control of domains)
      assert.equal(control.status, 'completed', `${control.id}: ${control.measured.current}`);
    // The finding for scripts in English (`current`), and beside it the same finding as a message key
    // and its values, the DNS check's detail nested inside.
    const mx = domains.find((c: Json) => c.id === 'domains.mx');
    assert.equal(mx.measured.current, '1 of 1 domains pass');
    assert.deepEqual(mx.measured.finding, {
      key: 'score.finding.domainsPass',
      params: { good: 1, total: 1 },
    });
    const dmarc = domains.find((c: Json) => c.id === 'domains.dmarc');
    assert.deepEqual(dmarc.measured.detail.domains['good.test'], {
      outcome: 'pass',
      detail: 'p=reject, rua=mailto:dmarc@good.test',
    });
    const admins = report.controls.find((c: Json) => c.id === 'identity.admin-count');
    assert.deepEqual(
      [admins.measured.current, admins.measured.finding],
      ['1 enabled admin', { key: 'score.finding.adminCountOne' }],
    );
    assert.ok(dns.queries.some((query) => query === '_dmarc.good.test TXT'));
    assert.ok(https.requests.includes('mta-sts.good.test/.well-known/mta-sts.txt'));
    const gains = report.controls.map((c: Json) => c.pointsToGain);
    assert.deepEqual(
      gains,
      [...gains].sort((a, b) => b - a),
    );
  });

  test('score prints a readable table with the next steps', async () => {
    const result = await runMailwarden(['score'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Secure Score [\d.]+ \/ [\d.]+ \([\d.]+%\), achievable/);
    assert.match(result.stdout, /TO GAIN\s+POINTS\s+STATUS\s+CONTROL\s+CURRENT/);
    assert.match(result.stdout, /identity\.admin-count/);
    assert.match(result.stdout, /Next steps/);
  });

  test('score status sets and audits a status; a bad status or no reason is refused', async () => {
    const set = await runMailwarden(
      [
        'score',
        'status',
        'identity.admin-count',
        '--status',
        'risk-accepted',
        '--reason',
        'one admin only',
        '--json',
      ],
      { env },
    );
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).status, 'risk-accepted');
    const audit = await runMailwarden(['audit', 'search', '--operation', 'SetScoreControlStatus', '--json'], {
      env,
    });
    assert.match(audit.stdout, /one admin only/);
    const bad = await runMailwarden(
      ['score', 'status', 'identity.admin-count', '--status', 'done', '--reason', 'x y z'],
      {
        env,
      },
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid-status/);
    const noReason = await runMailwarden(
      ['score', 'status', 'identity.admin-count', '--status', 'risk-accepted'],
      { env },
    );
    assert.equal(noReason.code, 2);
    const control = await runMailwarden(['score', 'control', 'identity.admin-count'], { env });
    assert.match(control.stdout, /risk accepted/);
    assert.match(control.stdout, /one admin only/);
  });

  test('the server takes the daily snapshot; score snapshot adds one on demand; history --json lists both', async () => {
    const server = await startMailwardenServe({
      env: {
        ...env,
        MAILWARDEN_SMTP_PORT: String(await freePort()),
        MAILWARDEN_SMTPS_PORT: String(await freePort()),
        MAILWARDEN_HTTP_PORT: String(await freePort()),
        MAILWARDEN_POLICY_PORT: '0',
      },
    });
    try {
      let snapshots: Json[] = [];
      for (let attempt = 0; attempt < 50 && snapshots.length === 0; attempt += 1) {
        const history = await runMailwarden(['score', 'history', '--json'], { env });
        snapshots = JSON.parse(history.stdout);
        if (snapshots.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(snapshots.length, 1);
      assert.equal(snapshots[0].trigger, 'daily');
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
    const onDemand = await runMailwarden(['score', 'snapshot', '--json'], { env });
    assert.equal(onDemand.code, 0, onDemand.stderr);
    const history = JSON.parse(
      (await runMailwarden(['score', 'history', '--json', '--days', '1'], { env })).stdout,
    );
    assert.deepEqual(
      history.map((s: Json) => s.trigger),
      ['daily', 'on-demand'],
    );
    assert.equal(typeof history[1].categories.domains.score, 'number');
  });
});
