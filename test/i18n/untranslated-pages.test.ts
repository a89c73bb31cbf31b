import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { type ConsoleHarness, startConsoleHarness } from '../console/browser-harness.js';
import { external, sendThroughPolicy } from '../outbound/send-helper.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { enforcePolicy, goodDomain, testingPolicy, weakDomain } from '../support/dns-zones.js';
import { type MtaStsServer, startMtaStsServer } from '../support/mta-sts-server.js';
import { holdPhishing } from '../support/phishing.js';
import { addUser, cliActor, makeTempDir } from '../support/test-app.js';
import { englishIn, VISIBLE_TEXT } from './english-text.js';
import {
  ALICE,
  ALL_PAGES,
  BOB,
  CAROL,
  NOT_YET_TRANSLATED,
  PASSWORD,
  type PageToRead,
  ROOT,
} from './pages.js';

/** A browser whose language is Dutch: it sends `Accept-Language: nl-NL,nl`. */
async function dutchPage(harness: ConsoleHarness): Promise<{ context: BrowserContext; page: Page }> {
  const context = await harness.browser.newContext({ baseURL: harness.origin, locale: 'nl-NL' });
  return { context, page: await context.newPage() };
}

async function enterPassword(page: Page, login: string): Promise<void> {
  await page.goto('/account/sign-in');
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/account/sign-in'), page.click('#sign-in')]);
}

describe('a Dutch reader sees no English on any page', () => {
  let harness: ConsoleHarness;
  let dns: TestDnsServer;
  let https: MtaStsServer;
  const temp = makeTempDir();
  const pages = new Map<PageToRead['as'], Page>();
  /** Parts of a page's address known only once the test made them. */
  const placeholders = new Map<string, string>();
  const addressOf = (entry: PageToRead) =>
    [...placeholders].reduce((url, [name, value]) => url.replace(name, value), entry.url);
  const contexts: BrowserContext[] = [];

  before(async () => {
    // Secure Score with DNS findings of every kind: a domain that passes, one that fails each check
    // in its own way, one whose DNS answers SERVFAIL, and example.org, which the zone does not know.
    dns = await startDnsServer(
      { ...goodDomain('good.test', 'mail'), ...weakDomain('weak.test', 'mail') },
      { servfail: ['broken.test'] },
    );
    https = await startMtaStsServer(
      { 'mta-sts.good.test': enforcePolicy('good.test'), 'mta-sts.weak.test': testingPolicy('weak.test') },
      temp.dir,
    );
    harness = await startConsoleHarness('sqlite', {
      overrides: {
        'dns.servers': [dns.address],
        'dns.timeoutMs': 2000,
        'dns.tries': 1,
        'score.dkimSelectors': ['mail'],
        'score.mtaStsPort': https.port,
        'score.mtaStsCaFile': https.caFile,
      },
    });
    const app = harness.testApp.app;
    for (const domain of ['good.test', 'weak.test', 'broken.test'])
      assert.ok((await app.directory.addDomain(domain, cliActor)).ok);
    await addUser(app, ROOT, PASSWORD, { role: 'admin' });
    await addUser(app, CAROL, PASSWORD);
    await addUser(app, BOB, PASSWORD);
    // Something on every admin page: a restricted sender with evidence and an alert, held mail.
    const alice = await addUser(app, ALICE, PASSWORD);
    assert.ok((await app.outbound.setPolicy('default', { settings: { externalPerHour: 2 } }, cliActor)).ok);
    await sendThroughPolicy(app, alice, external(2), 'Urgent');
    await sendThroughPolicy(app, alice, external(1), 'Urgent');
    await holdPhishing(app, BOB, 1);
    // A failed sign-in in Carol's and Alice's logs (/account/sign-ins, the admin's user page).
    for (const login of [CAROL, ALICE])
      assert.ok(
        !(
          await app.identity.signIn({
            login,
            secret: 'not the password',
            protocol: 'imap',
            clientIp: '198.51.100.9',
          })
        ).ok,
      );
    // An alert whose evidence holds a moment (the alert page writes it the reader's way).
    const dated = await app.store.writeTransaction((trx) =>
      app.alerts.raiseWithin(trx, {
        type: 'audit-log-cut',
        mailbox: null,
        evidence: { anchoredAt: '2026-12-07T15:02:03.456Z', firstMissingId: 'r-42' },
      }),
    );
    placeholders.set('{alert}', dated.alert.id);

    const open = async () => {
      const made = await dutchPage(harness);
      contexts.push(made.context);
      return made.page;
    };
    pages.set('anonymous', await open());
    const user = await open();
    await enterPassword(user, CAROL);
    pages.set('user', user);

    // The admin sets up an authenticator app and signs in with it (the admin pages need it).
    const admin = await open();
    await enterPassword(admin, ROOT);
    await admin.goto('/account/security');
    await admin.click('#start-totp');
    const secret = fromBase32((await admin.textContent('#totp-secret'))!.trim())!;
    await admin.fill('#code', totpCode(secret, totpStepAt(Date.now())));
    await admin.click('#confirm-totp');
    await Promise.all([admin.waitForURL('**/account/sign-in'), admin.click('#sign-out')]);
    await enterPassword(admin, ROOT);
    await admin.fill('#code', totpCode(secret, totpStepAt(Date.now()) + 1));
    await Promise.all([admin.waitForURL(/\/account$/), admin.click('#verify-code')]);
    pages.set('admin', admin);

    // Half signed in: the password given, the second factor not yet.
    const halfway = await open();
    await enterPassword(halfway, ROOT);
    pages.set('second-factor', halfway);
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await harness?.close();
    await dns?.close();
    await https?.close();
    temp.remove();
  });

  for (const entry of ALL_PAGES) {
    // I18N_CHECK_ALL=1 reads the pages not yet translated too: what is left to do, page by page.
    const skip =
      NOT_YET_TRANSLATED.has(entry.name) && !process.env['I18N_CHECK_ALL']
        ? 'listed in NOT_YET_TRANSLATED (test/i18n/pages.ts)'
        : false;
    test(`${entry.name} (${entry.url}) is all Dutch`, { skip }, async () => {
      const page = pages.get(entry.as)!;
      const url = addressOf(entry);
      const response = await page.goto(url);
      assert.equal(response?.status(), entry.status ?? 200, `${url} opens`);
      assert.equal(new URL(page.url()).pathname, url.split('?')[0], `${url} is shown, not a redirect`);
      // Every finding at once, so that one run lists all that is left on the page.
      const problems: string[] = [];
      const lang = await page.getAttribute('html', 'lang');
      if (lang !== 'nl') problems.push(`<html lang="${lang}">, not "nl"`);
      const contentLanguage = response?.headers()['content-language'];
      if (contentLanguage !== 'nl') problems.push(`Content-Language: ${contentLanguage}, not nl`);
      problems.push(...englishIn((await page.evaluate(VISIBLE_TEXT)) as string));
      assert.deepEqual(problems, [], `${entry.name} (${entry.url}) is not all Dutch`);
    });
  }

  test('the Secure Score page writes its DNS findings in Dutch, with no English fallback (lang="en")', async () => {
    const page = pages.get('admin')!;
    await page.goto('/admin/score');
    const finding = async (id: string) =>
      ((await page.textContent(`tr.control[data-id="${id}"] td:last-child`)) ?? '').replace(/\s+/g, ' ');
    // The checks' own details, in Dutch, around the records and names they name.
    assert.match(await finding('domains.spf'), /weak\.test: SPF staat elke afzender toe \(v=spf1 \+all\)/);
    assert.match(await finding('domains.spf'), /broken\.test: niet te controleren \(DNS SERVFAIL\)/);
    assert.match(await finding('domains.dkim'), /weak\.test: mail: RSA-sleutel korter dan 2048 bits/);
    assert.match(await finding('domains.mta-sts'), /weak\.test: beleidsmodus testing, niet enforce/);
    assert.match(await finding('domains.mx'), /example\.org: geen MX-record/);
    assert.deepEqual(
      await page.$$eval('[lang]:not(html)', (elements) =>
        elements.map((element) => `${element.getAttribute('lang')}: ${element.textContent}`),
      ),
      [],
      'no part of the page falls back to another language',
    );
    // A record's text, a name or a resolver's error is data: written as it came, marked so.
    assert.ok((await page.$$('tr.control[data-id="domains.spf"] [translate="no"]')).length > 0);
  });
});

/** The states a GET does not reach: a refusal's notice, the playbook's answer, a failed sign-in's reason. */
describe('a Dutch reader sees the domain’s words in Dutch too', () => {
  let harness: ConsoleHarness;
  let admin: Page;
  let context: BrowserContext;

  before(async () => {
    harness = await startConsoleHarness('sqlite');
    const app = harness.testApp.app;
    await addUser(app, ROOT, PASSWORD, { role: 'admin' });
    await addUser(app, BOB, PASSWORD);
    // A failed sign-in in the admin's own log.
    assert.ok(
      !(
        await app.identity.signIn({
          login: ROOT,
          secret: 'not the password',
          protocol: 'imap',
          clientIp: '198.51.100.9',
        })
      ).ok,
    );
    ({ context, page: admin } = await dutchPage(harness));
    await enterPassword(admin, ROOT);
    await admin.goto('/account/security');
    await admin.click('#start-totp');
    const secret = fromBase32((await admin.textContent('#totp-secret'))!.trim())!;
    await admin.fill('#code', totpCode(secret, totpStepAt(Date.now())));
    await admin.click('#confirm-totp');
    await Promise.all([admin.waitForURL('**/account/sign-in'), admin.click('#sign-out')]);
    await enterPassword(admin, ROOT);
    await admin.fill('#code', totpCode(secret, totpStepAt(Date.now()) + 1));
    await Promise.all([admin.waitForURL(/\/account$/), admin.click('#verify-code')]);
  });
  after(async () => {
    await context.close().catch(() => {});
    await harness.close();
  });

  const visibleEnglish = async () => englishIn((await admin.evaluate(VISIBLE_TEXT)) as string);

  test('a refusal of the directory (an address already taken) is told in Dutch, by its code', async () => {
    await admin.goto('/admin/users');
    await admin.fill('#new-user-address', BOB);
    const [refused] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#create-user'),
    ]);
    assert.equal(refused.status(), 409);
    await admin.waitForLoadState('load');
    assert.equal((await admin.textContent('.notice'))?.trim(), 'Een andere gebruiker heeft dit adres al.');
    assert.deepEqual(await visibleEnglish(), []);
  });

  /** The refusal's notice, its text, and the parts of the page marked as another language than Dutch. */
  const refusedNotice = async () => ({
    text: ((await admin.textContent('.notice.error')) ?? '').replace(/\s+/g, ' ').trim(),
    otherLanguage: await admin.$$eval('[lang]:not(html)', (elements) =>
      elements.map((element) => `${element.getAttribute('lang')}: ${element.textContent}`),
    ),
  });

  test('a refused settings form names each field and why in Dutch, with no English fallback (lang="en")', async () => {
    await admin.goto('/admin/settings');
    await admin.fill('#setting-lockout-threshold', '1');
    await admin.fill('#setting-timeZone', 'Mars/Olympus');
    const [refused] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#save-settings'),
    ]);
    assert.equal(refused.status(), 422);
    await admin.waitForLoadState('load');
    const notice = await refusedNotice();
    assert.equal(
      notice.text,
      'Een instelling is ongeldig; er is niets opgeslagen. lockout.threshold is een geheel getal van 3 tot en met 100; ' +
        'timeZone is de naam van een IANA-tijdzone, bijvoorbeeld Europe/Amsterdam of UTC (niet "Mars/Olympus")',
    );
    assert.deepEqual(notice.otherLanguage, [], 'no part of the notice falls back to English');
    // The setting's name and what was typed are data, written as they are and marked so.
    assert.deepEqual(
      await admin.$$eval('.notice.error [translate="no"]', (elements) =>
        elements.map((element) => element.textContent),
      ),
      ['lockout.threshold', '3', '100', 'timeZone', 'Europe/Amsterdam', 'UTC', 'Mars/Olympus'],
    );
    assert.deepEqual(await visibleEnglish(), []);
  });

  test('a refused sending policy names each field and why in Dutch, with no English fallback (lang="en")', async () => {
    await admin.goto('/admin/policies/default');
    await admin.fill('#policy-perMessage', 'veel');
    const [refused] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#save-policy'),
    ]);
    assert.equal(refused.status(), 422);
    await admin.waitForLoadState('load');
    const notice = await refusedNotice();
    assert.equal(
      notice.text,
      'Het verzendbeleid is ongeldig. perMessage: moet een geheel getal van 1 tot en met 1000 zijn (ontvangen: "veel")',
    );
    assert.deepEqual(notice.otherLanguage, [], 'no part of the notice falls back to English');
    assert.deepEqual(await visibleEnglish(), []);
  });

  test('a failed sign-in names its reason in Dutch', async () => {
    await admin.goto('/account/sign-ins');
    assert.match((await admin.textContent('#sign-ins'))!, /mislukt · onjuist wachtwoord/);
    assert.deepEqual(await visibleEnglish(), []);
  });

  test('an alert’s page writes the moments in its evidence the Dutch way, in the org’s time zone', async () => {
    const app = harness.testApp.app;
    assert.ok((await app.settings.change({ timeZone: 'Europe/Amsterdam' }, cliActor)).ok);
    const raised = await app.store.writeTransaction((trx) =>
      app.alerts.raiseWithin(trx, {
        type: 'audit-log-cut',
        mailbox: null,
        evidence: { anchoredAt: '2026-12-07T15:02:03.456Z', firstMissingId: 'r-42' },
      }),
    );
    await admin.goto(`/admin/alerts/${raised.alert.id}`);
    const evidence = (await admin.textContent('#evidence'))!;
    assert.match(evidence, /7 dec\.? 2026.*16:02 CET/);
    assert.doesNotMatch(evidence, /2026-12-07T/);
    assert.deepEqual(await visibleEnglish(), []);
  });

  test('the playbook’s answer: every step and what it did in Dutch', async () => {
    await admin.goto(`/admin/users/${encodeURIComponent(BOB)}`);
    await Promise.all([admin.waitForLoadState('load'), admin.click('#secure-account')]);
    assert.ok(await admin.$('#temporary-password'), 'the playbook ran');
    const details = await admin.$$eval('tr.step td:last-child', (cells) =>
      cells.map((cell) => cell.textContent),
    );
    assert.match(details[0] ?? '', /tijdelijk wachtwoord ingesteld/);
    assert.ok(details.some((detail) => /geen mailserver geconfigureerd/.test(detail ?? '')));
    assert.deepEqual(await visibleEnglish(), []);
  });
});

describe('the English finder', () => {
  test('finds a catalogue message left in English, and English words, but not addresses or Dutch', () => {
    assert.deepEqual(englishIn('Gebruikers\nalice@the-example.org\nhttps://example.org/the/page'), []);
    assert.equal(englishIn('Audit log').length, 1);
    assert.match(englishIn('Klik hier om the wachtwoord te wijzigen')[0] ?? '', /"the"/);
  });
});
