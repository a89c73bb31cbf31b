import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { addUser, cliActor, storeKinds } from '../support/test-app.js';
import { type ConsoleHarness, startConsoleHarness } from './browser-harness.js';

const PASSWORD = 'correct horse battery staple';
const ROOT = 'root@example.org';
const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

async function signIn(page: Page, login: string): Promise<void> {
  await page.goto('/account/sign-in');
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/account/sign-in'), page.click('#sign-in')]);
}

/** Signs in, sets up an authenticator app, and signs in again with it: what the admin pages need. */
async function signInWithSecondFactor(page: Page, login: string): Promise<void> {
  await signIn(page, login);
  await page.goto('/account/security');
  await page.click('#start-totp');
  const secret = fromBase32((await page.textContent('#totp-secret'))!.trim())!;
  await page.fill('#code', totpCode(secret, totpStepAt(Date.now())));
  await page.click('#confirm-totp');
  await Promise.all([page.waitForURL('**/account/sign-in'), page.click('#sign-out')]);
  await signIn(page, login);
  await page.fill('#code', totpCode(secret, totpStepAt(Date.now()) + 1));
  await Promise.all([page.waitForURL(/\/account$/), page.click('#verify-code')]);
}

/** Types the confirmation and submits the confirmation page's form; the answer's status. */
async function confirm(page: Page, typed: string, button: string): Promise<number | undefined> {
  await page.fill('#confirm', typed);
  const [response] = await Promise.all([page.waitForNavigation(), page.click(button)]);
  // After a 303 the navigation's response is the page redirected to.
  return response?.status();
}

for (const kind of storeKinds) {
  describe(`removing from the admin pages in Chromium, without JavaScript (${kind})`, () => {
    let harness: ConsoleHarness;
    let admin: Page;
    let aliceBrowser: Page;
    const contexts: BrowserContext[] = [];

    before(async () => {
      harness = await startConsoleHarness(kind);
      const app = harness.testApp.app;
      await addUser(app, ROOT, PASSWORD, { role: 'admin' });
      await addUser(app, ALICE, PASSWORD);
      await addUser(app, BOB, PASSWORD);
      await addUser(app, 'u@gone.test', PASSWORD);
      assert.ok((await app.directory.addAlias(BOB, 'sales@example.org', cliActor)).ok);
      assert.ok((await app.directory.addGroup('ops', cliActor)).ok);
      assert.ok((await app.directory.addGroupMember('ops', BOB, cliActor)).ok);
      // The pages must work with scripts off: a confirm() dialog could not run under the CSP anyway.
      for (let index = 0; index < 2; index++) {
        const context = await harness.browser.newContext({
          baseURL: harness.origin,
          javaScriptEnabled: false,
        });
        contexts.push(context);
      }
      admin = await contexts[0]!.newPage();
      aliceBrowser = await contexts[1]!.newPage();
      await signInWithSecondFactor(admin, ROOT);
      await signIn(aliceBrowser, ALICE);
    });
    after(async () => {
      for (const context of contexts) await context.close().catch(() => {});
      await harness.close();
    });

    test('deleting a user asks for the address typed out, then ends their signed-in web session at once', async () => {
      assert.equal((await aliceBrowser.goto('/account'))?.status(), 200);
      await admin.goto('/admin/users');
      await Promise.all([
        admin.waitForURL(`**/admin/users/${encodeURIComponent(ALICE)}/delete`),
        admin.click(`tr.user:has-text("${ALICE}") a.remove`),
      ]);
      assert.equal(await confirm(admin, 'alice', '#delete-user'), 422);
      assert.match((await admin.textContent('.notice.error'))!, /Nothing was removed/);
      assert.ok(await harness.testApp.app.directory.findUser(ALICE), 'a wrong confirmation deletes nothing');

      assert.equal(await confirm(admin, ALICE, '#delete-user'), 200);
      assert.equal(new URL(admin.url()).pathname, '/admin/users');
      assert.match((await admin.textContent('.notice.ok'))!, /alice@example\.org was deleted/);
      assert.equal(await admin.locator(`tr.user:has-text("${ALICE}")`).count(), 0);

      await aliceBrowser.goto('/account');
      assert.equal(new URL(aliceBrowser.url()).pathname, '/account/sign-in');
      const records = await harness.testApp.app.audit.search({ operations: ['RemoveUser'], limit: 10 });
      assert.deepEqual(
        records.records.map((record) => [record.mailbox, record.actor, record.logonType]),
        [[ALICE, ROOT, 'admin']],
      );
    });

    test('the signed-in admin cannot delete their own account, nor the last admin', async () => {
      await admin.goto(`/admin/users/${encodeURIComponent(ROOT)}/delete`);
      assert.equal(await confirm(admin, ROOT, '#delete-user'), 409);
      assert.match((await admin.textContent('.notice.error'))!, /the account you are signed in with/);
      assert.ok(await harness.testApp.app.directory.findUser(ROOT));
    });

    test('an alias is removed from the account page after confirmation', async () => {
      await admin.goto(`/admin/users/${encodeURIComponent(BOB)}`);
      await Promise.all([admin.waitForURL('**/remove'), admin.click('li.alias a.remove')]);
      assert.equal(await confirm(admin, 'sales@example.org', '#remove-alias'), 200);
      assert.equal(new URL(admin.url()).pathname, `/admin/users/${encodeURIComponent(BOB)}`);
      assert.equal(await admin.locator('li.alias').count(), 0);
    });

    test('group members, groups and domains are removed from /admin/directory; a domain with users is refused naming them', async () => {
      await admin.goto('/admin/directory');
      await Promise.all([
        admin.waitForURL('**/remove'),
        admin.click('tr.group[data-name="ops"] a.member-removal'),
      ]);
      assert.equal(await confirm(admin, BOB, '#remove-member'), 200);
      assert.equal((await admin.textContent('tr.group[data-name="ops"] .members'))!.trim(), '—');

      await Promise.all([
        admin.waitForURL('**/delete'),
        admin.click('tr.group[data-name="ops"] a.remove:has-text("Delete")'),
      ]);
      assert.equal(await confirm(admin, 'ops', '#delete-group'), 200);
      assert.equal(await admin.locator('tr.group').count(), 0);

      await Promise.all([
        admin.waitForURL('**/remove'),
        admin.click('li.domain[data-name="gone.test"] a.remove'),
      ]);
      assert.equal(await confirm(admin, 'gone.test', '#remove-domain'), 409);
      assert.match((await admin.textContent('.notice.error'))!, /gone\.test still has users u@gone\.test/);
      await admin.check('#with-users');
      assert.equal(await confirm(admin, 'gone.test', '#remove-domain'), 200);
      assert.equal(await admin.locator('li.domain[data-name="gone.test"]').count(), 0);
      assert.equal(await harness.testApp.app.directory.findUser('u@gone.test'), null);
    });

    test('a removal posted without the form’s CSRF token is refused and removes nothing', async () => {
      const forged = await admin.request.post(`/admin/users/${encodeURIComponent(BOB)}/delete`, {
        form: { confirm: BOB },
        headers: { origin: harness.origin },
      });
      assert.equal(forged.status(), 403);
      assert.ok(await harness.testApp.app.directory.findUser(BOB));
      assert.equal((await harness.testApp.app.audit.verify()).ok, true);
    });
  });
}
