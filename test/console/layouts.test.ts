import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { external, sendThroughPolicy } from '../outbound/send-helper.js';
import { holdPhishing } from '../support/phishing.js';
import { addUser, cliActor, makeTempDir } from '../support/test-app.js';
import { type ConsoleHarness, startConsoleHarness } from './browser-harness.js';

const PASSWORD = 'correct horse battery staple';
const ROOT = 'root@example.org';
const ALICE = 'alice.with-a-rather-long-mailbox-name@example.org';
const CAROL = 'carol@example.org';
/** Imported from an old server's passwd-file: its page shows the long source and the move form. */
const IMPORTED = 'imported.mailbox-with-a-long-name@example.org';
/** A laptop and a phone: no page may be wider than either window. */
const WIDTHS = [1366, 390] as const;
/**
 * Every page in each language: Dutch words are longer ("Postvak IN-regels uitschakelen"), so a page
 * that fits in English may not in Dutch. The browser asks for the language, as a reader's would.
 */
const LANGUAGES = [
  { locale: 'en', acceptLanguage: 'en-GB,en' },
  { locale: 'nl', acceptLanguage: 'nl-NL,nl' },
] as const;
const SCREENSHOTS = path.resolve('test-artifacts', 'screenshots');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface PageFindings {
  documentWidth: number;
  windowWidth: number;
  /** Elements reaching past the window's right edge outside any scrolling box (for the message). */
  widest: string[];
  h1: number;
  /** Heading levels in document order. */
  levels: number[];
  /** Fields (not hidden, not buttons) without a label, an aria-label or a title. */
  unlabelled: string[];
}

/** Runs in the page (a string: the tests compile without the DOM's types). */
const FINDINGS = `(() => {
  const fields = [...document.querySelectorAll('input, select, textarea')].filter(
    (field) => !(field.tagName === 'INPUT' && ['hidden', 'submit', 'button'].includes(field.type)),
  );
  return {
    documentWidth: document.documentElement.scrollWidth,
    widest: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth && !(() => { for (let a = e.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true; return false; })()).slice(0, 5).map((e) => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right)),
    windowWidth: window.innerWidth,
    h1: document.querySelectorAll('h1').length,
    levels: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1])),
    unlabelled: fields
      .filter((field) => field.labels.length === 0 && !field.getAttribute('aria-label') && !field.title)
      .map((field) => field.outerHTML.slice(0, 120)),
  };
})()`;

const AXE_RUN = `axe.run().then((result) => result.violations
  .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
  .map((violation) => violation.id + ' (' + violation.impact + '): ' + violation.help + ' at ' +
    violation.nodes.slice(0, 3).map((node) => JSON.stringify(node.target)).join(', ')))`;

function findings(page: Page): Promise<PageFindings> {
  return page.evaluate(FINDINGS) as Promise<PageFindings>;
}

/** axe-core's serious and critical findings, run inside the page (evaluate is not subject to the CSP). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(AXE_RUN) as Promise<string[]>;
}

/**
 * The checks every page passes at every width: not wider than the window, one h1 and no skipped
 * heading level, a label on every field, no serious or critical axe finding, nothing the CSP
 * blocked; a full-page screenshot for people to look at.
 */
async function checkPage(page: Page, name: string, blocked: string[]): Promise<void> {
  const width = page.viewportSize()!.width;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  const found = await findings(page);
  const where = `${name} at ${width} px (${page.url()})`;
  assert.ok(
    found.documentWidth <= found.windowWidth,
    `${where} is ${found.documentWidth} px wide in a ${found.windowWidth} px window: ${found.widest.join(', ')}`,
  );
  assert.equal(found.h1, 1, `${where} has one h1`);
  assert.equal(found.levels[0], 1, `${where} starts with its h1`);
  for (let i = 1; i < found.levels.length; i++)
    assert.ok(
      found.levels[i]! <= found.levels[i - 1]! + 1,
      `${where} skips a heading level: ${found.levels}`,
    );
  assert.deepEqual(found.unlabelled, [], `${where} has fields without a label`);
  assert.deepEqual(await axeViolations(page), [], `${where}: axe-core`);
  assert.deepEqual(blocked, [], `${where}: the Content-Security-Policy blocked something`);
}

/** A page whose console errors about the CSP are gathered into `blocked`. */
async function watchedPage(
  harness: ConsoleHarness,
): Promise<{ context: BrowserContext; page: Page; blocked: string[] }> {
  const { context, page } = await harness.newPage();
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      blocked.push(message.text());
  });
  return { context, page, blocked };
}

async function signIn(page: Page, login: string): Promise<void> {
  await page.goto('/account/sign-in');
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/account/sign-in'), page.click('#sign-in')]);
}

describe('every page fits a laptop and a phone, and passes axe-core, in Chromium', () => {
  let harness: ConsoleHarness;
  let admin: { page: Page; blocked: string[] };
  const temp = makeTempDir('mw-layouts-import-');

  before(async () => {
    harness = await startConsoleHarness('sqlite');
    const app = harness.testApp.app;
    await addUser(app, ROOT, PASSWORD, { role: 'admin' });
    await addUser(app, CAROL, PASSWORD);
    await addUser(app, 'bob@example.org', PASSWORD);
    // A restricted sender with evidence, an alert, audit records with details, held messages.
    const alice = await addUser(app, ALICE, PASSWORD);
    assert.ok((await app.outbound.setPolicy('default', { settings: { externalPerHour: 2 } }, cliActor)).ok);
    await sendThroughPolicy(app, alice, external(2), 'Urgent: invoice overdue, please pay today');
    await sendThroughPolicy(app, alice, external(1, 'a-long-recipient-domain-name.example.test'), 'Urgent');
    assert.equal(await app.outbound.isRestricted(alice.id), true);
    await holdPhishing(app, 'bob@example.org', 1);
    const passwdFile = path.join(temp.dir, 'a-rather-long-directory-name-for-the-old-servers-users-file');
    writeFileSync(passwdFile, `${IMPORTED}:{PLAIN}old password:5000:5000:Imported::\n`);
    const imported = await app.importing.run(
      { kind: 'dovecot-passwd', file: passwdFile },
      { dryRun: false, sync: false, actor: cliActor },
    );
    assert.ok(imported.ok);

    // The admin sets up an authenticator app, then signs in with it (the admin pages need it).
    const watched = await watchedPage(harness);
    admin = watched;
    await signIn(admin.page, ROOT);
    await admin.page.goto('/account/security');
    await admin.page.click('#start-totp');
    const secret = fromBase32((await admin.page.textContent('#totp-secret'))!.trim())!;
    await admin.page.fill('#code', totpCode(secret, totpStepAt(Date.now())));
    await admin.page.click('#confirm-totp');
    await Promise.all([admin.page.waitForURL('**/account/sign-in'), admin.page.click('#sign-out')]);
    await signIn(admin.page, ROOT);
    await admin.page.fill('#code', totpCode(secret, totpStepAt(Date.now()) + 1));
    await Promise.all([admin.page.waitForURL(/\/account$/), admin.page.click('#verify-code')]);
  });
  after(async () => {
    await harness.close();
    temp.remove();
  });

  test('the sign-in and second-factor pages', async () => {
    const { page, blocked } = await watchedPage(harness);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto('/account/sign-in');
      await checkPage(page, 'sign-in', blocked);
      await signIn(page, ROOT);
      assert.equal(new URL(page.url()).pathname, '/account/second-factor');
      await checkPage(page, 'second-factor', blocked);
      // Signed out again for the next width: cancel this half-finished sign-in.
      await Promise.all([page.waitForURL('**/account/sign-in'), page.click('text=Cancel')]);
    }
  });

  test('the self-service pages, in English and Dutch', async () => {
    for (const { locale, acceptLanguage } of LANGUAGES)
      for (const width of WIDTHS) {
        await admin.page.setExtraHTTPHeaders({ 'Accept-Language': acceptLanguage });
        await admin.page.setViewportSize({ width, height: 800 });
        for (const [name, url] of [
          ['account', '/account'],
          ['security', '/account/security'],
          ['app-passwords', '/account/app-passwords'],
          ['password', '/account/password'],
          ['sign-ins', '/account/sign-ins'],
          ['not-found', '/account/no-such-page'],
        ] as const) {
          const response = await admin.page.goto(url);
          assert.equal(response?.status(), name === 'not-found' ? 404 : 200, `${url} opens`);
          assert.equal(new URL(admin.page.url()).pathname, url, `${url} is shown, not a redirect`);
          await checkPage(admin.page, locale === 'en' ? name : `${name}-${locale}`, admin.blocked);
        }
      }
    await admin.page.setExtraHTTPHeaders({ 'Accept-Language': LANGUAGES[0].acceptLanguage });
  });

  test('the admin pages, in English and Dutch', async () => {
    const user = `/admin/users/${encodeURIComponent(ALICE)}`;
    for (const { locale, acceptLanguage } of LANGUAGES)
      for (const width of WIDTHS) {
        await admin.page.setExtraHTTPHeaders({ 'Accept-Language': acceptLanguage });
        await admin.page.setViewportSize({ width, height: 800 });
        for (const [name, url] of [
          ['admin', '/admin'],
          ['admin-restricted', '/admin/restricted'],
          ['admin-users', '/admin/users'],
          ['admin-user', user],
          ['admin-user-imported', `/admin/users/${encodeURIComponent(IMPORTED)}`],
          ['admin-user-delete', `${user}/delete`],
          ['admin-directory', '/admin/directory'],
          ['admin-policies', '/admin/policies'],
          ['admin-policy', '/admin/policies/default'],
          ['admin-alerts', '/admin/alerts'],
          ['admin-quarantine', '/admin/quarantine'],
          ['admin-audit', '/admin/audit?hours=720'],
          ['admin-score', '/admin/score'],
          ['admin-settings', '/admin/settings'],
          ['admin-tokens', '/admin/tokens'],
          ['admin-notifications', '/admin/notifications'],
        ] as const) {
          const response = await admin.page.goto(url);
          assert.equal(response?.status(), 200, `${url} opens`);
          assert.equal(
            new URL(admin.page.url()).pathname,
            url.split('?')[0],
            `${url} is shown, not a redirect`,
          );
          assert.equal(await admin.page.getAttribute('html', 'lang'), locale, `${url} is in ${locale}`);
          await checkPage(admin.page, locale === 'en' ? name : `${name}-${locale}`, admin.blocked);
        }
      }
    // At laptop width the admin menu is one line with every entry in view, nothing scrolled away.
    await admin.page.setViewportSize({ width: WIDTHS[0], height: 800 });
    for (const { locale, acceptLanguage } of LANGUAGES) {
      await admin.page.setExtraHTTPHeaders({ 'Accept-Language': acceptLanguage });
      await admin.page.goto('/admin');
      const menu = (await admin.page.evaluate(
        `(() => { const nav = document.querySelector('header nav');
          return { tops: [...nav.querySelectorAll('a')].map((a) => a.getBoundingClientRect().top),
            scrollWidth: nav.scrollWidth, clientWidth: nav.clientWidth }; })()`,
      )) as { tops: number[]; scrollWidth: number; clientWidth: number };
      assert.equal(new Set(menu.tops).size, 1, `the admin menu is on one line (${locale})`);
      assert.ok(
        menu.scrollWidth <= menu.clientWidth,
        `the admin menu fits (${locale}: ${menu.scrollWidth} px in ${menu.clientWidth} px)`,
      );
    }
    await admin.page.setExtraHTTPHeaders({ 'Accept-Language': LANGUAGES[0].acceptLanguage });
  });

  test('timestamps read as a short date, with the exact time in the title; the audit details are words, not JSON', async () => {
    await admin.page.setViewportSize({ width: WIDTHS[0], height: 800 });
    await admin.page.goto('/admin/restricted');
    const since = admin.page.locator('tr.restricted-sender time').first();
    assert.match((await since.textContent())!, /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC$/);
    assert.match((await since.getAttribute('title'))!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    // One line, never wrapped over several.
    const box = (await since.boundingBox())!;
    const lineHeight = Number.parseFloat(
      (await admin.page.evaluate(
        "getComputedStyle(document.querySelector('tr.restricted-sender time')).lineHeight",
      )) as string,
    );
    assert.ok(box.height < lineHeight * 1.5, `the timestamp is one line (${box.height} px)`);

    await admin.page.goto('/admin/audit?hours=720');
    const what = await admin.page.$$eval('tr.audit-record td:last-child', (cells) =>
      cells.map((cell) => cell.textContent ?? ''),
    );
    assert.ok(what.length > 0);
    assert.ok(
      what.every((text) => !/[{[]"/.test(text)),
      `no raw JSON in the What column: ${what.find((text) => /[{[]"/.test(text))}`,
    );
  });

  test('the users list shows each user’s MFA state, restriction and whether the account is disabled', async () => {
    const app = harness.testApp.app;
    assert.ok((await app.directory.setDisabled('bob@example.org', true, cliActor)).ok);
    await admin.page.goto('/admin/users');
    const row = async (address: string) => ({
      mfa: await admin.page.textContent(`tr.user:has-text("${address}") td.user-mfa`),
      sending: await admin.page.textContent(`tr.user:has-text("${address}") td.user-sending`),
      state: await admin.page.textContent(`tr.user:has-text("${address}") td.user-state`),
    });
    assert.deepEqual(await row(ALICE), { mfa: 'disabled', sending: 'restricted', state: 'enabled' });
    assert.deepEqual(await row('bob@example.org'), {
      mfa: 'disabled',
      sending: 'allowed',
      state: 'disabled',
    });
    assert.deepEqual(await row(ROOT), { mfa: 'enabled', sending: 'allowed', state: 'enabled' });
  });

  test('the authenticator setup page keeps its otpauth link inside its card, at both widths', async () => {
    const { page, blocked } = await watchedPage(harness);
    await signIn(page, CAROL);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await page.goto('/account/security');
      await page.click('#start-totp');
      await checkPage(page, 'totp-setup', blocked);
      const link = (await page.locator('#totp-uri').boundingBox())!;
      const card = (await page.locator('section:has(#totp-uri)').boundingBox())!;
      assert.ok(link.x + link.width <= card.x + card.width, `the link ends inside its card at ${width} px`);
    }
  });

  test('keyboard focus is visible', async () => {
    await admin.page.goto('/admin/users');
    await admin.page.keyboard.press('Tab');
    const outline = (await admin.page.evaluate(
      '({ style: getComputedStyle(document.activeElement).outlineStyle, width: parseFloat(getComputedStyle(document.activeElement).outlineWidth) })',
    )) as { style: string; width: number };
    assert.notEqual(outline.style, 'none');
    assert.ok(outline.width >= 2, `a ${outline.width} px outline`);
  });
});
