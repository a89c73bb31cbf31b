import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { addUser, cliActor, makeTempDir } from '../support/test-app.js';
import { type ConsoleHarness, startConsoleHarness } from './browser-harness.js';

const PASSWORD = 'correct horse battery staple';
const ROOT = 'root@example.org';
const BOB = 'bob@example.org';
/** Brought over from the old server's passwd-file: its mail clients keep the account password. */
const ERIN = 'erin@example.org';
const ERIN_PAGE = `/admin/users/${encodeURIComponent(ERIN)}`;

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

describe('moving an imported account to app passwords from the admin pages, in Chromium', () => {
  let harness: ConsoleHarness;
  let admin: Page;
  const temp = makeTempDir('mw-console-import-');

  const setMailPasswordRecords = async () => {
    const app = harness.testApp.app;
    await app.audit.flush();
    const found = await app.audit.search({ operations: ['SetMailPassword'], limit: 10 });
    return found.records.map((record) => [record.mailbox, record.actor, record.logonType, record.details]);
  };
  const storedFlag = async () =>
    (
      await harness.testApp.app.store.db
        .selectFrom('users')
        .select('mail_account_password')
        .where('address', '=', ERIN)
        .executeTakeFirstOrThrow()
    ).mail_account_password;

  before(async () => {
    harness = await startConsoleHarness('sqlite');
    const app = harness.testApp.app;
    await addUser(app, ROOT, PASSWORD, { role: 'admin' });
    await addUser(app, BOB, PASSWORD);
    const file = path.join(temp.dir, 'users');
    writeFileSync(file, `${ERIN}:{PLAIN}erin old password:5000:5000:Erin::\n`);
    const imported = await app.importing.run(
      { kind: 'dovecot-passwd', file },
      { dryRun: false, sync: false, actor: cliActor },
    );
    assert.ok(imported.ok);
    assert.equal(await storedFlag(), 1, 'the import lets the account keep its password on mail');
    admin = (await harness.newPage()).page;
    await signInWithSecondFactor(admin, ROOT);
  });
  after(async () => {
    await harness.close();
    temp.remove();
  });

  test('the users list badges the accounts whose mail clients still use the account password, and only them', async () => {
    await admin.goto('/admin/users');
    assert.equal(
      (await admin.textContent(`tr.user:has-text("${ERIN}") .user-mail-password`))!.trim(),
      'account password',
    );
    assert.equal(
      (await admin.textContent(`tr.user:has-text("${BOB}") .user-mail-password`))!.trim(),
      'app passwords',
    );
  });

  test('the user page shows the mode and the import source; moving it changes the mode and is audited once', async () => {
    await admin.goto(ERIN_PAGE);
    assert.equal(
      (await admin.textContent('#mail-password-mode'))!.trim(),
      'account password (imported; mail clients still use it)',
    );
    assert.match((await admin.textContent('#imported-from'))!, /^dovecot-passwd:.*users$/);
    assert.deepEqual(await setMailPasswordRecords(), []);

    const [moved] = await Promise.all([admin.waitForNavigation(), admin.click('#move-to-app-passwords')]);
    assert.equal(moved?.status(), 200);
    assert.match((await admin.textContent('.notice.ok'))!, /use app passwords only/);
    assert.equal((await admin.textContent('#mail-password-mode'))!.trim(), 'app passwords only');
    assert.equal(await storedFlag(), 0);
    assert.deepEqual(await setMailPasswordRecords(), [
      [ERIN, ROOT, 'admin', { mailPassword: 'app-passwords-only' }],
    ]);

    await admin.goto('/admin/users');
    assert.equal(
      (await admin.textContent(`tr.user:has-text("${ERIN}") .user-mail-password`))!.trim(),
      'app passwords',
    );
  });

  test('repeating the move (a resubmitted form) changes nothing and records nothing', async () => {
    await admin.goto(ERIN_PAGE);
    // The form as it was before the move, submitted again (the browser's back and resubmit).
    const csrf = await admin.getAttribute('meta[name="csrf-token"]', 'content');
    const again = await admin.request.post(`${ERIN_PAGE}/mail-password`, {
      headers: { origin: harness.origin },
      form: { _csrf: csrf!, mode: 'app-passwords-only' },
    });
    assert.equal(again.status(), 200);
    assert.match(await again.text(), /Nothing changed/);
    assert.equal(await storedFlag(), 0);
    assert.equal((await setMailPasswordRecords()).length, 1);
  });

  test('the account password can be allowed again, audited; a bad mode and an unknown user are refused and change nothing', async () => {
    await admin.goto(ERIN_PAGE);
    await Promise.all([admin.waitForNavigation(), admin.click('#allow-account-password')]);
    assert.equal(
      (await admin.textContent('#mail-password-mode'))!.trim(),
      'account password (imported; mail clients still use it)',
    );
    assert.equal(await storedFlag(), 1);
    assert.equal((await setMailPasswordRecords()).length, 2);

    const csrf = await admin.getAttribute('meta[name="csrf-token"]', 'content');
    const badMode = await admin.request.post(`${ERIN_PAGE}/mail-password`, {
      headers: { origin: harness.origin },
      form: { _csrf: csrf!, mode: 'never' },
    });
    assert.equal(badMode.status(), 400);
    assert.match(await badMode.text(), /The mode is app-passwords-only or account-password/);
    const unknown = await admin.request.post(
      `/admin/users/${encodeURIComponent('nobody@example.org')}/mail-password`,
      {
        headers: { origin: harness.origin },
        form: { _csrf: csrf!, mode: 'app-passwords-only' },
      },
    );
    assert.equal(unknown.status(), 404);
    assert.match(await unknown.text(), /There is no user nobody@example\.org/);
    assert.doesNotMatch(await unknown.text(), /at .*\.js:\d+/, 'no stack trace');
    const withoutToken = await admin.request.post(`${ERIN_PAGE}/mail-password`, {
      headers: { origin: harness.origin },
      form: { mode: 'app-passwords-only' },
    });
    assert.equal(withoutToken.status(), 403);
    assert.equal(await storedFlag(), 1);
    assert.equal((await setMailPasswordRecords()).length, 2);
  });

  test('a user who is not an admin cannot move an account, even with their own valid form token', async () => {
    const { page } = await harness.newPage();
    await signIn(page, BOB);
    assert.equal((await page.goto(ERIN_PAGE))?.status(), 403);
    await page.goto('/account');
    const csrf = await page.getAttribute('meta[name="csrf-token"]', 'content');
    assert.ok(csrf);
    const refused = await page.request.post(`${ERIN_PAGE}/mail-password`, {
      headers: { origin: harness.origin },
      form: { _csrf: csrf, mode: 'app-passwords-only' },
    });
    assert.equal(refused.status(), 403);
    assert.match(await refused.text(), /for administrators/);
    assert.equal(await storedFlag(), 1);
    assert.equal((await setMailPasswordRecords()).length, 2);
  });
});
