import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createManualClock } from '../../src/runtime/clock.js';
import { type ApiHarness, createApiHarness } from '../api/api-harness.js';
import { type ConsoleHarness, startConsoleHarness } from '../console/browser-harness.js';
import { raiseAlert } from '../notify/raise-alert.js';
import { readEmail } from '../notify/received-email.js';
import { runMailwarden } from '../support/cli-process.js';
import { addUser, cliActor, createTestApp, makeTempDir } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';
import { englishIn } from './english-text.js';

const PASSWORD = 'correct horse battery staple';
const CAROL = 'carol@example.org';
const START = Date.parse('2026-12-07T16:41:00Z');

async function signIn(page: Page, login: string): Promise<void> {
  await page.goto('/account/sign-in');
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/account/sign-in'), page.click('#sign-in')]);
}

describe('the reader’s language and the organization’s time zone on the pages', () => {
  let harness: ConsoleHarness;
  const clock = createManualClock(START);
  const browserIn = async (locale: string) => {
    const context = await harness.browser.newContext({ baseURL: harness.origin, locale });
    return context.newPage();
  };
  const langOf = async (page: Page, url: string) => {
    const response = await page.goto(url);
    return { lang: await page.getAttribute('html', 'lang'), header: response?.headers()['content-language'] };
  };

  before(async () => {
    harness = await startConsoleHarness('sqlite', { clock });
    await addUser(harness.testApp.app, CAROL, PASSWORD);
  });
  after(() => harness.close());

  test('the user’s own setting wins over Accept-Language, which wins over the org default', async () => {
    const app = harness.testApp.app;
    assert.ok((await app.settings.change({ locale: 'nl' }, cliActor)).ok);
    // A browser naming no language we have: the organization's.
    assert.deepEqual(await langOf(await browserIn('fr-FR'), '/account/sign-in'), {
      lang: 'nl',
      header: 'nl',
    });
    // A browser asking for English gets English, over the organization's Dutch.
    const english = await browserIn('en-US');
    assert.deepEqual(await langOf(english, '/account/sign-in'), { lang: 'en', header: 'en' });
    await signIn(english, CAROL);
    assert.equal(await english.textContent('h1'), 'Your account');
    // Carol chooses Dutch herself: it wins over her English browser, and it is audited.
    await english.selectOption('#locale', 'nl');
    await Promise.all([english.waitForURL('**/account?language=saved'), english.click('#save-language')]);
    assert.equal(await english.getAttribute('html', 'lang'), 'nl');
    assert.equal(await english.textContent('h1'), 'Uw account');
    await app.audit.flush();
    const records = await app.audit.search({ operations: ['UpdateUser'] });
    assert.ok(
      records.records.some((record) => JSON.stringify(record.details).includes('"locale":"nl"')),
      'the language change is audited',
    );
    // Back to automatic: the browser's English again.
    await english.selectOption('#locale', '');
    await Promise.all([english.waitForURL('**/account?language=saved'), english.click('#save-language')]);
    assert.equal(await english.getAttribute('html', 'lang'), 'en');
  });

  test('moments are shown in the organization’s time zone, recent ones relative', async () => {
    const app = harness.testApp.app;
    const first = await browserIn('nl-NL');
    await signIn(first, CAROL);
    // A day later the first sign-in is shown as a moment; the new one as "now".
    clock.advanceMs(25 * 3_600_000);
    const page = await browserIn('nl-NL');
    await signIn(page, CAROL);
    assert.ok((await app.settings.change({ timeZone: 'UTC' }, cliActor)).ok);
    await page.goto('/account/sign-ins');
    const utc = await page.locator('tr.sign-in time').allTextContents();
    assert.ok(
      utc.some((text) => /7 dec\.? 2026.*16:41 UTC/.test(text)),
      `UTC: ${utc}`,
    );
    assert.ok((await app.settings.change({ timeZone: 'Europe/Amsterdam' }, cliActor)).ok);
    await page.goto('/account/sign-ins');
    const amsterdam = await page.locator('tr.sign-in time').allTextContents();
    assert.ok(
      amsterdam.some((text) => /7 dec\.? 2026.*17:41 CET/.test(text)),
      `Amsterdam: ${amsterdam}`,
    );
    assert.ok(
      amsterdam.some((text) => !/2026/.test(text)),
      `the recent sign-in reads relative: ${amsterdam}`,
    );
  });
});

describe('org settings locale and timeZone through the API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
  });
  after(() => api.cleanup());

  test('an unknown language or time zone is refused with what is expected, and nothing is stored', async () => {
    const response = await api.call('PATCH', '/api/v1/org/settings', {
      json: { locale: 'de', timeZone: 'Mars/Olympus' },
    });
    assert.equal(response.status, 400);
    assert.match(response.body.error.message, /locale is one of en, nl/);
    assert.match(response.body.error.message, /timeZone is an IANA time zone name, e\.g\. Europe\/Amsterdam/);
    assert.equal(await api.app.settings.get('timeZone'), 'UTC');
    assert.equal(await api.app.settings.get('locale'), 'en');
  });

  test('a valid change is stored in the zone’s own spelling and audited with the old and new value', async () => {
    const response = await api.call('PATCH', '/api/v1/org/settings', {
      json: { locale: 'nl', timeZone: 'europe/amsterdam' },
    });
    assert.equal(response.status, 200);
    assert.equal(await api.app.settings.get('timeZone'), 'Europe/Amsterdam');
    await api.app.audit.flush();
    const page = await api.app.audit.search({ operations: ['ChangeOrgSetting'] });
    const details = page.records.map((record) => record.details);
    assert.ok(
      details.some((d) => JSON.stringify(d) === JSON.stringify({ setting: 'locale', from: 'en', to: 'nl' })),
    );
    assert.ok(
      details.some(
        (d) =>
          JSON.stringify(d) === JSON.stringify({ setting: 'timeZone', from: 'UTC', to: 'Europe/Amsterdam' }),
      ),
    );
  });
});

describe('org settings locale and timeZone from the CLI', () => {
  const temp = makeTempDir();
  after(() => temp.remove());
  const env = { MAILWARDEN_DATA_DIR: temp.dir };
  before(async () => assert.equal((await runMailwarden(['init'], { env })).code, 0));

  test('mailwarden org set locale nl / timeZone Europe/Amsterdam; bad values exit 1 with the reason', async () => {
    const locale = await runMailwarden(['org', 'set', 'locale', 'nl'], { env });
    assert.equal(locale.code, 0, locale.stderr);
    const zone = await runMailwarden(['org', 'set', 'timeZone', 'Europe/Amsterdam'], { env });
    assert.equal(zone.code, 0, zone.stderr);
    assert.match(zone.stdout, /timeZone is now Europe\/Amsterdam/);
    const badZone = await runMailwarden(['org', 'set', 'timeZone', 'Mars/Olympus'], { env });
    assert.equal(badZone.code, 1);
    assert.match(badZone.stderr, /IANA time zone name/);
    const badLocale = await runMailwarden(['org', 'set', 'locale', 'fr'], { env });
    assert.equal(badLocale.code, 1);
    assert.match(badLocale.stderr, /locale is one of en, nl/);
  });
});

describe('alert emails in the organization’s language', () => {
  test('with org locale nl an admin’s alert email is Dutch, times in the org’s zone; commands stay as typed', async () => {
    const upstream = await startUpstreamServer();
    const testApp = await createTestApp('sqlite', {
      clock: createManualClock(START),
      overrides: { 'relay.url': `smtp://127.0.0.1:${upstream.port}` },
    });
    try {
      const { app } = testApp;
      await addUser(app, 'alice@example.org');
      await addUser(app, 'admin@example.org', 'admin-password-123', { role: 'admin' });
      assert.ok((await app.settings.change({ locale: 'nl', timeZone: 'Europe/Amsterdam' }, cliActor)).ok);
      await raiseAlert(app);
      await app.notifier.runDueDeliveries();
      const email = readEmail(upstream.received[0]!.raw);
      assert.equal(
        email.header('subject'),
        '[Mailwarden] Hoog: Gebruiker beperkt in het verzenden van e-mail — alice@example.org',
      );
      assert.match(email.text, /Wat er is gebeurd/);
      assert.match(email.text, /7 dec\.? 2026.*17:41 CET/);
      assert.match(email.text, /mailwarden restricted show alice@example\.org/);
      // No English left but the commands (and what senders wrote, quoted).
      const prose = email.text
        .split('\n')
        .filter((line) => !/mailwarden |"/.test(line))
        .join('\n');
      assert.deepEqual(englishIn(prose), []);
    } finally {
      await testApp.cleanup();
      await upstream.stop();
    }
  });
});
