import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { external, sendThroughPolicy } from '../outbound/send-helper.js';
import { addUser, cliActor } from '../support/test-app.js';
import { type ConsoleHarness, startConsoleHarness } from './browser-harness.js';

const PASSWORD = 'correct horse battery staple';
const ROOT = 'root@example.org';
const ALICE = 'alice.with-a-rather-long-mailbox-name@example.org';
/** Located with the shipped DB-IP City Lite data (test/identity/lockout-and-risk.test.ts). */
const LONDON = '81.2.69.142';
const MOSCOW = '77.88.55.80';
const TOKYO = '133.242.0.1';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WIDTHS = [1366, 390] as const;
const SCREENSHOTS = path.resolve('test-artifacts', 'screenshots');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_RUN = `axe.run().then((result) => result.violations
  .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
  .map((violation) => violation.id + ' (' + violation.impact + '): ' + violation.help + ' at ' +
    violation.nodes.slice(0, 3).map((node) => JSON.stringify(node.target)).join(', ')))`;

interface ChartFindings {
  documentWidth: number;
  windowWidth: number;
  charts: Array<{ id: string; right: number; width: number; hasDrawing: boolean; smallestText: number }>;
  violations: string[];
}

/** Runs in the page (a string: the tests compile without the DOM's types). */
const FINDINGS = `(() => ({
  documentWidth: document.documentElement.scrollWidth,
  windowWidth: window.innerWidth,
  charts: [...document.querySelectorAll('figure.chart')].map((figure) => {
    const svg = figure.querySelector('svg.chart-drawing');
    const box = (svg || figure).getBoundingClientRect();
    const texts = svg ? [...svg.querySelectorAll('text')].map((text) => text.getBoundingClientRect().height) : [];
    return { id: figure.id, right: box.right, width: box.width, hasDrawing: !!svg,
      smallestText: texts.length ? Math.min(...texts) : 0 };
  }),
  violations: window.__cspViolations || [],
}))()`;

/**
 * The time the server reads: now, moved back while the history is made, so that the data spans
 * hours and days as it would in use (real time keeps passing: sessions and TOTP codes work).
 */
let offsetMs = 0;
const clock = { nowMs: () => Date.now() + offsetMs };

describe('charts on their pages, with real data, in Chromium', () => {
  let harness: ConsoleHarness;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    harness = await startConsoleHarness('sqlite', { clock });
    const app = harness.testApp.app;
    await addUser(app, ROOT, PASSWORD, { role: 'admin' });
    const alice = await addUser(app, ALICE, PASSWORD);

    // Secure Score: snapshots on three earlier days, one of them after a weaker setting.
    for (const days of [6, 3, 1]) {
      offsetMs = -days * DAY;
      await app.score.takeSnapshot();
    }

    // Alice sends a little, then a burst that reaches the limit of 3 an hour and restricts her.
    assert.ok((await app.outbound.setPolicy('default', { settings: { externalPerHour: 3 } }, cliActor)).ok);
    offsetMs = -30 * HOUR;
    await sendThroughPolicy(app, alice, external(1), 'Minutes of the meeting');
    offsetMs = -5 * HOUR;
    await sendThroughPolicy(app, alice, external(2), 'Quarterly report');
    offsetMs = -10 * 60_000;
    assert.deepEqual(await sendThroughPolicy(app, alice, external(3), 'Urgent: invoice overdue'), {
      stage: 'sent',
    });
    assert.equal((await sendThroughPolicy(app, alice, external(1), 'Urgent')).stage, 'rcpt');
    assert.equal(await app.outbound.isRestricted(alice.id), true);

    // Sign-ins from three countries, failures from one; the admin's own from London.
    const signIn = (login: string, secret: string, clientIp: string) =>
      app.identity.signIn({ login, secret, protocol: 'web', clientIp });
    offsetMs = -2 * DAY;
    assert.ok((await signIn(ALICE, PASSWORD, LONDON)).ok);
    assert.ok((await signIn(ROOT, PASSWORD, LONDON)).ok);
    offsetMs = -DAY;
    for (let i = 0; i < 3; i++) assert.equal((await signIn(ALICE, `guess-${i}`, MOSCOW)).ok, false);
    assert.equal((await signIn(ROOT, 'a wrong guess', TOKYO)).ok, false);
    offsetMs = 0;

    const opened = await harness.newPage();
    page = opened.page;
    // The CSP reports what it blocks as an event and on the console; both are gathered.
    await opened.context.addInitScript(
      "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    );
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    // The admin sets up an authenticator app, then signs in with it (the admin pages need it).
    const signInPage = async () => {
      await page.goto('/account/sign-in');
      await page.fill('#login', ROOT);
      await page.fill('#password', PASSWORD);
      await Promise.all([
        page.waitForURL((url) => url.pathname !== '/account/sign-in'),
        page.click('#sign-in'),
      ]);
    };
    await signInPage();
    await page.goto('/account/security');
    await page.click('#start-totp');
    const secret = fromBase32((await page.textContent('#totp-secret'))!.trim())!;
    await page.fill('#code', totpCode(secret, totpStepAt(Date.now())));
    await page.click('#confirm-totp');
    await Promise.all([page.waitForURL('**/account/sign-in'), page.click('#sign-out')]);
    await signInPage();
    await page.fill('#code', totpCode(secret, totpStepAt(Date.now()) + 1));
    await Promise.all([page.waitForURL(/\/account$/), page.click('#verify-code')]);
  });
  after(() => harness.close());

  /** Opens the page at each width: every chart drawn, inside the window, readable, no axe or CSP finding. */
  async function checkCharts(url: string, name: string, expected: readonly string[]): Promise<void> {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      const response = await page.goto(url);
      assert.equal(response?.status(), 200, `${url} opens`);
      const found = (await page.evaluate(FINDINGS)) as ChartFindings;
      const where = `${url} at ${width} px`;
      assert.deepEqual(
        found.charts.map((chart) => chart.id),
        expected,
        `${where} shows its charts`,
      );
      for (const chart of found.charts) {
        assert.ok(chart.hasDrawing, `${where}: ${chart.id} is drawn`);
        assert.ok(
          chart.right <= found.windowWidth,
          `${where}: ${chart.id} ends inside the window (${chart.right})`,
        );
        assert.ok(
          chart.smallestText >= 9,
          `${where}: ${chart.id}'s text is readable (${chart.smallestText} px)`,
        );
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page
          .locator(`#${chart.id}`)
          .screenshot({ path: path.join(SCREENSHOTS, `chart-${chart.id}-${width}.png`) });
      }
      assert.ok(found.documentWidth <= found.windowWidth, `${where} is ${found.documentWidth} px wide`);
      await page.evaluate(AXE_SOURCE);
      assert.deepEqual(await page.evaluate(AXE_RUN), [], `${where}: axe-core`);
      assert.deepEqual(found.violations, [], `${where}: securitypolicyviolation`);
      assert.deepEqual(
        consoleErrors.filter((text) => /Content Security Policy/i.test(text)),
        [],
        `${where}: the console reports no CSP block`,
      );
      void name;
    }
  }

  test('/admin/score: the score over time, one point per day and now', async () => {
    await checkCharts('/admin/score', 'score', ['score-history']);
    assert.equal(await page.locator('#score-history svg circle.point').count(), 4);
    assert.equal(await page.locator('#score-history svg polyline.line').count(), 1);
    assert.equal(await page.getAttribute('header nav a[href="/admin/score"]', 'aria-current'), 'page');
  });

  test('the restricted sender’s page: sending per hour against the limit, the burst marked; sign-ins by country', async () => {
    const url = `/admin/users/${encodeURIComponent(ALICE)}`;
    await checkCharts(url, 'user', ['sending-per-hour', 'sign-ins-by-country']);
    const sending = page.locator('#sending-per-hour');
    assert.equal(await sending.locator('svg.chart-drawing rect.bar').count(), 3, 'three hours with sends');
    assert.equal(
      await sending.locator('svg.chart-drawing rect.bar.over').count(),
      1,
      'the burst reached the limit',
    );
    assert.equal(await sending.locator('svg.chart-drawing line.limit').count(), 1);
    assert.match(
      (await sending.locator('.chart-summary').textContent())!,
      /at most 3 in one hour.*limit is 3 per hour.*1 hour reached the limit/,
    );
    const countries = await page
      .locator('#sign-ins-by-country svg text.axis[text-anchor="end"]')
      .allTextContents();
    assert.deepEqual(countries, ['Russia', 'United Kingdom']);
    // The numbers open for whoever would rather read them.
    await page.click('#sign-ins-by-country details summary');
    assert.match((await page.locator('#sign-ins-by-country table').textContent())!, /Russia\s*0\s*3\s*3/);
    assert.equal(await page.getAttribute('header nav a[href="/admin/users"]', 'aria-current'), 'true');
  });

  test('/account/sign-ins: the reader’s own sign-ins by country and result', async () => {
    await checkCharts('/account/sign-ins', 'sign-ins', ['sign-ins-by-country']);
    const countries = await page
      .locator('#sign-ins-by-country svg text.axis[text-anchor="end"]')
      .allTextContents();
    // London and Tokyo from the seeding; the browser's own sign-ins from 127.0.0.1 have no country.
    assert.deepEqual(countries.sort(), ['Japan', 'United Kingdom', 'Unknown country']);
    assert.equal(await page.getAttribute('header nav a[href="/account/sign-ins"]', 'aria-current'), 'page');
  });

  test('/admin/alerts: alerts per day by severity', async () => {
    await checkCharts('/admin/alerts', 'alerts', ['alerts-per-day']);
    const summary = (await page.locator('#alerts-per-day .chart-summary').textContent())!;
    const shown = await page.locator('tr.alert').count();
    assert.match(
      summary,
      new RegExp(`^${shown} in all`),
      `the chart counts the ${shown} alerts listed: ${summary}`,
    );
    assert.ok((await page.locator('#alerts-per-day svg.chart-drawing rect.bar').count()) >= 2);
  });

  test('in Dutch, the charts speak Dutch', async () => {
    const { context, page: dutch } = await harness.newPage();
    await context.setExtraHTTPHeaders({ 'Accept-Language': 'nl-NL,nl;q=0.9' });
    await context.addCookies(await page.context().cookies());
    await dutch.goto(`/admin/users/${encodeURIComponent(ALICE)}`);
    assert.match(
      (await dutch.locator('#sending-per-hour figcaption').textContent())!,
      /Verzonden per uur, afgelopen 48 uur/,
    );
    assert.match(
      (await dutch.locator('#sign-ins-by-country .chart-summary').textContent())!,
      /De meeste vanuit Rusland/,
    );
  });
});
