import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { addUser, storeKinds } from '../support/test-app.js';
import { addVirtualAuthenticator, type ConsoleHarness, startConsoleHarness } from './browser-harness.js';

const PASSWORD = 'correct horse battery staple';

async function signInWithPassword(page: Page, login: string, password = PASSWORD): Promise<void> {
  await page.goto('/account/sign-in');
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('#sign-in')]);
}

async function signOut(page: Page): Promise<void> {
  await Promise.all([page.waitForURL('**/account/sign-in'), page.click('#sign-out')]);
}

/** The current code, or the next step's (accepted within ±1 step) when the current one was used. */
function codeFor(secret: string, offsetSteps = 0): string {
  return totpCode(fromBase32(secret)!, totpStepAt(Date.now()) + offsetSteps);
}

for (const kind of storeKinds)
  describe(`self-service area in Chromium (${kind})`, () => {
    let harness: ConsoleHarness;
    before(async () => {
      harness = await startConsoleHarness(kind);
    });
    after(() => harness.close());

    test('signs in with password then a TOTP code from the seed shown at enrolment; a used code is refused', async () => {
      await addUser(harness.testApp.app, 'ann@example.org');
      const { page } = await harness.newPage();
      await signInWithPassword(page, 'ann@example.org');
      assert.match(page.url(), /\/account$/);
      await page.goto('/account/security');
      await page.click('#start-totp');
      const secret = (await page.textContent('#totp-secret'))!.trim();
      assert.match((await page.getAttribute('#totp-uri', 'href'))!, /^otpauth:\/\/totp\/Mailwarden:/);
      assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is rendered in the page');
      await page.fill('#code', codeFor(secret));
      await page.click('#confirm-totp');
      assert.equal(
        await page.locator('.recovery-code').count(),
        10,
        'the first factor comes with recovery codes',
      );
      await signOut(page);

      await signInWithPassword(page, 'ann@example.org');
      assert.match(page.url(), /\/account\/second-factor$/);
      assert.equal(
        (await page.goto('/account'))!.url().endsWith('/account/second-factor'),
        true,
        'no account page before the second factor',
      );
      const code = codeFor(secret, 1);
      await page.fill('#code', code);
      await Promise.all([page.waitForURL(/\/account$/), page.click('#verify-code')]);
      assert.equal(await page.textContent('#mfa-status'), 'on');
      await signOut(page);

      await signInWithPassword(page, 'ann@example.org');
      await page.fill('#code', code);
      await page.click('#verify-code');
      assert.match(page.url(), /\/account\/second-factor/);
      assert.match((await page.textContent('.notice.error'))!, /used already/);
    });

    test('a recovery code signs in once, and not a second time', async () => {
      const { page } = await harness.newPage();
      await signInWithPassword(page, 'ann@example.org');
      // A fresh set, read from the page that shows it once.
      const app = harness.testApp.app;
      const ann = (await app.directory.findUser('ann@example.org'))!;
      const codes = await app.identity.mfa.regenerateRecoveryCodes(ann, {
        actor: 'test',
        logonType: 'admin',
      });
      await page.fill('#recovery', codes[0]!);
      await Promise.all([page.waitForURL(/\/account$/), page.click('#use-recovery')]);
      await signOut(page);
      await signInWithPassword(page, 'ann@example.org');
      await page.fill('#recovery', codes[0]!);
      await page.click('#use-recovery');
      assert.match(page.url(), /\/account\/second-factor/);
      assert.match(
        (await page.textContent('.notice.error'))!,
        /recovery code is not right, or it was used already/,
      );
      const log = await app.identity.listSignIns({ userId: ann.id, limit: 20 });
      assert.ok(log.some((entry) => entry.credential === 'recovery-code' && entry.result === 'success'));
      assert.ok(log.some((entry) => entry.credential === 'recovery-code' && entry.result === 'failure'));
    });

    test('registers a real passkey through the virtual authenticator and signs in with it', async () => {
      const app = harness.testApp.app;
      const bob = await addUser(app, 'bob@example.org');
      const { context, page } = await harness.newPage();
      await addVirtualAuthenticator(context, page);
      await signInWithPassword(page, 'bob@example.org');
      await page.goto('/account/security');
      await page.fill('#passkey-name', 'Work laptop');
      await Promise.all([
        page.waitForURL(/\/account\/security\?recovery-left=0$/),
        page.click('#add-passkey'),
      ]);
      assert.match((await page.textContent('.notice'))!, /Create your recovery codes now/);
      await page.waitForSelector('tr.passkey');
      assert.equal(await page.inputValue('tr.passkey input[name=name]'), 'Work laptop');
      const [registered] = await app.identity.mfa.listPasskeys(bob.id);
      assert.ok(registered);
      await signOut(page);

      await signInWithPassword(page, 'bob@example.org');
      assert.match(page.url(), /\/account\/second-factor$/);
      await Promise.all([page.waitForURL(/\/account$/), page.click('#use-passkey')]);
      const [used] = await app.identity.mfa.listPasskeys(bob.id);
      assert.ok(used!.signCount > registered.signCount, 'the sign counter grew');
      assert.notEqual(used!.lastUsedAt, null);
      const log = await app.identity.listSignIns({ userId: bob.id, limit: 5 });
      assert.equal(log[0]?.credential, 'passkey');
      assert.equal(log[0]?.result, 'success');
    });

    test('refuses a forged cross-site form post and a same-site post without the CSRF token', async () => {
      const app = harness.testApp.app;
      await addUser(app, 'carol@example.org');
      const { page } = await harness.newPage();
      await signInWithPassword(page, 'carol@example.org');
      const carol = (await app.directory.findUser('carol@example.org'))!;
      const attacker = await startAttackerSite(`${harness.origin}/account/app-passwords`);
      try {
        const response = await Promise.all([
          page.waitForResponse(
            (r) => r.url() === `${harness.origin}/account/app-passwords` && r.request().method() === 'POST',
          ),
          page.goto(`${attacker.origin}/`),
        ]).then(([forged]) => forged);
        assert.equal(response.status(), 403);
      } finally {
        await attacker.close();
      }
      // From our own origin, with the session cookie, but without the token: refused as well.
      await page.goto('/account');
      const status = await page.evaluate(async () => {
        const response = await fetch('/account/app-passwords', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'name=stolen&scope=smtp',
        });
        return response.status;
      });
      assert.equal(status, 403);
      const listed = await app.identity.listAppPasswords(carol.id);
      assert.ok(listed.ok);
      assert.equal(listed.appPasswords.length, 0, 'nothing was created');
    });

    test('shows a new app password once; the list never shows it again', async () => {
      const app = harness.testApp.app;
      const { page } = await harness.newPage();
      await signInWithPassword(page, 'carol@example.org');
      await page.goto('/account/app-passwords');
      await page.fill('#app-name', 'Thunderbird');
      await page.click('#create-app-password');
      const secret = (await page.textContent('#app-password-secret'))!.trim();
      assert.ok(secret.length >= 20);
      await page.goto('/account/app-passwords');
      assert.equal(await page.locator('#app-password-secret').count(), 0);
      assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
      assert.equal(await page.locator('tr.app-password').count(), 1);
      const imap = await app.identity.signIn({
        login: 'carol@example.org',
        secret,
        protocol: 'imap',
        clientIp: '127.0.0.1',
      });
      assert.equal(imap.ok, true, 'the app password signs a mail client in');
    });

    test('sign out everywhere ends the sessions in every browser', async () => {
      const first = await harness.newPage();
      const second = await harness.newPage();
      for (const { page } of [first, second]) await signInWithPassword(page, 'carol@example.org');
      await first.page.goto('/account');
      await Promise.all([
        first.page.waitForURL('**/account/sign-in'),
        first.page.click('#sign-out-everywhere'),
      ]);
      await second.page.goto('/account');
      assert.match(second.page.url(), /\/account\/sign-in$/);
      const headers = (await second.page.goto('/account/sign-in'))!.headers();
      assert.match(headers['content-security-policy']!, /script-src 'self'/);
      assert.doesNotMatch(headers['content-security-policy']!, /unsafe-inline/);
      const cookies = await cookiesOf(second.context);
      assert.ok(
        !cookies.some((cookie) => cookie.name === '__Host-mw_session'),
        'the dead session cookie was cleared',
      );
    });
  });

function cookiesOf(context: BrowserContext) {
  return context.cookies();
}

/** Another site (another origin) whose page auto-submits a form to the console: a CSRF attempt. */
async function startAttackerSite(target: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.url === '/submit.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end("document.getElementById('forged').submit();");
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(`<!doctype html><form id="forged" method="post" action="${target}">
      <input name="name" value="attacker"><input name="scope" value="smtp"><input name="_csrf" value="guess">
      </form><script src="/submit.js"></script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('self-service after an admin reset, in Chromium', () => {
  let harness: ConsoleHarness;
  before(async () => {
    harness = await startConsoleHarness('sqlite');
  });
  after(() => harness.close());

  test('an admin reset ends the session; the temporary password leads only to the password change', async () => {
    const app = harness.testApp.app;
    await addUser(app, 'hal@example.org');
    const { page } = await harness.newPage();
    await signInWithPassword(page, 'hal@example.org');
    assert.match(page.url(), /\/account$/);
    const reset = await app.identity.resetPassword(
      'hal@example.org',
      {},
      { actor: 'cli:root', logonType: 'admin' },
    );
    assert.ok(reset.ok);
    await page.goto('/account');
    assert.match(page.url(), /\/account\/sign-in$/, 'the reset ended the session');
    await signInWithPassword(page, 'hal@example.org', reset.temporaryPassword);
    assert.match(page.url(), /\/account\/password$/);
    await page.goto('/account/app-passwords');
    assert.match(page.url(), /\/account\/password$/, 'nothing else before the change');
    await page.fill('#new', 'a brand new passphrase 42');
    await page.fill('#confirm', 'a brand new passphrase 42');
    await page.click('#change-password');
    assert.match((await page.textContent('.notice.ok'))!, /password was changed/);
    await page.goto('/account/app-passwords');
    assert.match(page.url(), /\/account\/app-passwords$/);
    const signIn = await app.identity.signIn({
      login: 'hal@example.org',
      secret: 'a brand new passphrase 42',
      protocol: 'web',
      clientIp: '127.0.0.1',
    });
    assert.equal(signIn.ok, true);
  });
});
