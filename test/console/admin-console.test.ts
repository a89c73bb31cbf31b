import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { external, sendThroughPolicy } from '../outbound/send-helper.js';
import { holdPhishing } from '../support/phishing.js';
import { addUser, cliActor } from '../support/test-app.js';
import { type ConsoleHarness, startConsoleHarness } from './browser-harness.js';

const PASSWORD = 'correct horse battery staple';
const ROOT = 'root@example.org';
const ALICE = 'alice@example.org';

async function signIn(page: Page, login: string): Promise<void> {
  await page.goto('/account/sign-in');
  await page.fill('#login', login);
  await page.fill('#password', PASSWORD);
  // Signed in once the browser has left the sign-in page (for the overview or the second factor).
  await Promise.all([page.waitForURL((url) => url.pathname !== '/account/sign-in'), page.click('#sign-in')]);
}

describe('admin pages in Chromium: restricted senders, the playbook, alerts', () => {
  let harness: ConsoleHarness;
  /** The admin's browser, signed in with a TOTP code once the first test has set it up. */
  let admin: Page;
  let held: string[];

  before(async () => {
    harness = await startConsoleHarness('sqlite');
    const app = harness.testApp.app;
    await addUser(app, ROOT, PASSWORD, { role: 'admin' });
    await addUser(app, 'bob@example.org', PASSWORD);
    const alice = await addUser(app, ALICE, PASSWORD);
    assert.ok((await app.outbound.setPolicy('default', { settings: { externalPerHour: 2 } }, cliActor)).ok);
    assert.deepEqual(await sendThroughPolicy(app, alice, external(2), 'Urgent: invoice overdue'), {
      stage: 'sent',
    });
    await sendThroughPolicy(app, alice, external(1, 'elsewhere.test'), 'Urgent: invoice overdue');
    assert.equal(await app.outbound.isRestricted(alice.id), true);
    // The intruder's mail client, from an address the offline GeoIP places (as in the sign-in tests).
    const phone = await app.identity.createAppPassword(ALICE, { name: 'phone', scopes: ['imap'] }, cliActor);
    assert.ok(phone.ok);
    assert.ok(
      (
        await app.identity.signIn({
          login: ALICE,
          secret: phone.password,
          protocol: 'imap',
          clientIp: '81.2.69.142',
        })
      ).ok,
    );
    // Two phishing messages Bob's account tried to send, held by the spam analysis.
    held = [await holdPhishing(app, 'bob@example.org', 1), await holdPhishing(app, 'bob@example.org', 2)];
    admin = (await harness.newPage()).page;
  });
  after(() => harness.close());

  test('the admin pages refuse a user who is not an admin, and an admin signed in without a second factor', async () => {
    const { page } = await harness.newPage();
    await signIn(page, 'bob@example.org');
    const refused = await page.goto('/admin');
    assert.equal(refused?.status(), 403);
    assert.match((await page.textContent('.notice.error'))!, /for administrators/);
    assert.equal(await page.locator('#admin-link').count(), 0);

    await signIn(admin, ROOT);
    await admin.goto('/account');
    assert.equal(
      await admin.locator('#admin-link').count(),
      1,
      'the overview links an admin to the admin pages',
    );
    const withoutFactor = await admin.goto('/admin/restricted');
    assert.equal(withoutFactor?.status(), 403);
    assert.match((await admin.textContent('.notice.error'))!, /need a sign-in with a second factor/);
    assert.ok(!(await admin.content()).includes(ALICE), 'nothing of the list is shown');

    // Set up an authenticator app, then sign in again with it.
    await admin.goto('/account/security');
    await admin.click('#start-totp');
    const secret = fromBase32((await admin.textContent('#totp-secret'))!.trim())!;
    await admin.fill('#code', totpCode(secret, totpStepAt(Date.now())));
    await admin.click('#confirm-totp');
    await Promise.all([admin.waitForURL('**/account/sign-in'), admin.click('#sign-out')]);
    await signIn(admin, ROOT);
    await admin.fill('#code', totpCode(secret, totpStepAt(Date.now()) + 1));
    await Promise.all([admin.waitForURL(/\/account$/), admin.click('#verify-code')]);
    const opened = await admin.goto('/admin');
    assert.equal(opened?.status(), 200);
  });

  test('the restricted sender is shown with its evidence; a release before securing is refused with why', async () => {
    await admin.goto('/admin');
    assert.equal(await admin.locator('tr.restricted-sender').count(), 1);
    assert.match((await admin.textContent('#alerts'))!, /User restricted from sending email/);
    await Promise.all([
      admin.waitForLoadState('load'),
      admin.click(`tr.restricted-sender a:has-text("${ALICE}")`),
    ]);
    assert.match((await admin.textContent('#restriction-reason'))!, /external recipients per hour/);
    assert.equal(await admin.textContent('#sample-subjects'), 'Urgent: invoice overdue');
    assert.equal(await admin.textContent('#check-password'), 'no');
    assert.equal(await admin.textContent('#check-mfa'), 'disabled');
    assert.match((await admin.textContent('#rules-unavailable'))!, /dovecot\.doveadmUrl/);
    assert.match(
      (await admin.textContent('#recent-sign-ins'))!,
      /imap · app-password:phone\s+81\.2\.69\.142/,
    );

    await admin.fill('#release-reason', 'the user says it was not them');
    const [refused] = await Promise.all([
      admin.waitForResponse((r) => r.request().method() === 'POST'),
      admin.click('#release'),
    ]);
    assert.equal(refused.status(), 409);
    assert.match((await admin.textContent('.notice.error'))!, /secure the account first/);
    const alice = (await harness.testApp.app.directory.findUser(ALICE))!;
    assert.equal(await harness.testApp.app.outbound.isRestricted(alice.id), true);
  });

  test('every user is listed and opens on the same account page', async () => {
    await admin.goto('/admin/users');
    const listed = await admin.$$eval('tr.user td:first-child a', (links) =>
      links.map((link) => link.textContent),
    );
    assert.deepEqual(listed, [ALICE, 'bob@example.org', ROOT]);
    await Promise.all([
      admin.waitForURL(/\/admin\/users\/bob%40example\.org$/),
      admin.click('tr.user a:has-text("bob@")'),
    ]);
    assert.equal(await admin.locator('#not-restricted').count(), 1);
    assert.equal(await admin.locator('#secure-account').count(), 1, 'any account can be secured');

    await Promise.all([admin.waitForURL(/bob%40example\.org$/), admin.click('#disable-user')]);
    assert.equal(await admin.locator('#user-disabled').count(), 1);
    const bob = await harness.testApp.app.identity.signIn({
      login: 'bob@example.org',
      secret: PASSWORD,
      protocol: 'web',
      clientIp: '127.0.0.1',
    });
    assert.equal(bob.ok, false, 'a blocked account cannot sign in');
    const [blocked] = (await harness.testApp.app.audit.search({ operations: ['DisableUser'], limit: 1 }))
      .records;
    assert.equal(blocked?.actor, ROOT);
    await Promise.all([admin.waitForURL(/bob%40example\.org$/), admin.click('#enable-user')]);
    assert.equal(await admin.locator('#disable-user').count(), 1);
  });

  test('a cross-site or tokenless post cannot run the playbook', async () => {
    const before = (await harness.testApp.app.directory.findUser(ALICE))!.passwordChangedAt;
    const status = await admin.evaluate(async (address) => {
      const response = await fetch(`/admin/users/${encodeURIComponent(address)}/secure`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'revokeAppPasswords=on',
      });
      return response.status;
    }, ALICE);
    assert.equal(status, 403);
    assert.equal((await harness.testApp.app.directory.findUser(ALICE))!.passwordChangedAt, before);
  });

  test('secure this account: the temporary password once, every step, the sender released, audited as the admin', async () => {
    const app = harness.testApp.app;
    await admin.goto(`/admin/users/${encodeURIComponent(ALICE)}`);
    await Promise.all([admin.waitForLoadState('load'), admin.click('#secure-account')]);
    const temporary = (await admin.textContent('#temporary-password'))!.trim();
    assert.match(temporary, /^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    const steps = await admin.$$eval('tr.step', (rows) =>
      rows.map((row) => [row.getAttribute('data-step'), row.querySelector('.step-status')?.textContent]),
    );
    assert.deepEqual(steps, [
      ['reset-password', 'done'],
      ['require-mfa', 'done'],
      ['revoke-api-tokens', 'unchanged'],
      ['disable-inbox-rules', 'skipped'],
      ['end-mail-sessions', 'skipped'],
      ['release', 'done'],
    ]);
    // Two steps were skipped (no Dovecot here): the page names them and why, never "every step is done".
    const notice = (await admin.textContent('.notice'))!;
    assert.doesNotMatch(notice, /Every step is done/);
    assert.match(
      notice,
      /Skipped: Deactivate inbox rules \(.*dovecot.*\); End mail sessions \(.*dovecot.*\)\./i,
    );
    assert.doesNotMatch(notice, /Reset the password|Require a second factor|Release the sender \(/);

    // Refreshing the answer's address (a GET of the form's target) goes back to the account page.
    const refreshed = await admin.goto(`/admin/users/${encodeURIComponent(ALICE)}/secure`);
    assert.equal(refreshed?.status(), 200);
    assert.equal(new URL(admin.url()).pathname, `/admin/users/${encodeURIComponent(ALICE)}`);
    assert.match(refreshed!.headers()['content-type'] ?? '', /text\/html/);

    const alice = (await app.directory.findUser(ALICE))!;
    assert.equal(await app.outbound.isRestricted(alice.id), false);
    const appPasswords = await app.identity.listAppPasswords(ALICE);
    assert.ok(appPasswords.ok);
    assert.deepEqual(appPasswords.appPasswords, []);
    const [record] = (await app.audit.search({ operations: ['SecureAccount'], limit: 1 })).records;
    assert.equal(record?.actor, ROOT);
    assert.equal(record?.logonType, 'admin');
    assert.equal(record?.protocol, 'web');
    const [release] = (await app.audit.search({ operations: ['ReleaseSender'], limit: 1 })).records;
    assert.equal(release?.actor, ROOT);

    await admin.goto(`/admin/users/${encodeURIComponent(ALICE)}`);
    assert.equal(await admin.locator('#not-restricted').count(), 1);
    assert.equal(await admin.textContent('#check-mfa'), 'enforced');
    assert.ok(!(await admin.content()).includes(temporary), 'the password is not shown again');
  });

  test('a browser gets pages, never JSON: the root, the icon, an unknown page, a user who does not exist', async () => {
    const root = await admin.goto('/');
    assert.equal(root?.status(), 200);
    assert.equal(new URL(admin.url()).pathname, '/account');
    // As the browser asks for it beside a page (navigating to a 204 is no navigation at all).
    const icon = await admin.request.get('/favicon.ico', {
      headers: { accept: 'image/avif,image/webp,image/*,*/*;q=0.8' },
    });
    assert.equal(icon.status(), 204);
    assert.doesNotMatch(icon.headers()['content-type'] ?? '', /json/);
    for (const path of ['/no-such-page', '/account/no-such-page', '/admin/no-such-page']) {
      const missing = await admin.goto(path);
      assert.equal(missing?.status(), 404, path);
      assert.match(missing!.headers()['content-type'] ?? '', /text\/html/, path);
      assert.equal(await admin.title(), 'Not found · Mailwarden', path);
    }
    const nobody = await admin.goto('/admin/users/nobody%40example.org');
    assert.equal(nobody?.status(), 404);
    assert.match(await admin.title(), /^Not found/);
    assert.match((await admin.textContent('.notice.error'))!, /no user nobody@example\.org/i);
    // The API keeps answering JSON, whatever the client accepts.
    const api = await admin.goto('/api/v1/no-such-thing');
    assert.match(api!.headers()['content-type'] ?? '', /application\/json/);
  });

  test('the audit log answers what happened in the mailbox, a page at a time, with counts', async () => {
    await admin.goto(`/admin/users/${encodeURIComponent(ALICE)}`);
    await Promise.all([admin.waitForURL(/\/admin\/audit\?/), admin.click('#mailbox-audit')]);
    // The operation's identifier (admins search for it) beside its name in the reader's words.
    const operations = await admin.$$eval('td.audit-operation', (cells) =>
      cells.map((cell) => cell.getAttribute('data-operation')),
    );
    for (const operation of ['SecureAccount', 'ReleaseSender', 'ResetPassword', 'Send', 'RestrictSender'])
      assert.ok(operations.includes(operation), `${operation} in ${operations.join(', ')}`);
    assert.match((await admin.textContent('#audit-counts'))!, /\bSend 1\b/);

    await admin.selectOption('#audit-operation', 'ResetPassword');
    await Promise.all([admin.waitForURL(/operation=ResetPassword/), admin.click('#audit-search-button')]);
    assert.deepEqual(
      await admin.$$eval('td.audit-operation', (cells) =>
        cells.map((cell) => [cell.getAttribute('data-operation'), cell.textContent]),
      ),
      [['ResetPassword', 'Password resetResetPassword']],
    );

    await admin.goto(`/admin/audit?mailbox=${encodeURIComponent(ALICE)}&hours=720&limit=1`);
    const newest = await admin.getAttribute('tr.audit-record', 'data-id');
    await Promise.all([admin.waitForURL(/before=/), admin.click('#audit-next')]);
    const older = await admin.getAttribute('tr.audit-record', 'data-id');
    assert.ok(Number(older) < Number(newest), `${older} is older than ${newest}`);

    await admin.goto('/admin/audit?operation=NoSuchThing&hours=5');
    assert.match((await admin.textContent('.notice.error'))!, /no operation "NoSuchThing".*choose a period/);
  });

  test('Secure Score lists every control, most points to gain first, as measured', async () => {
    const report = await harness.testApp.app.score.report();
    await admin.goto('/admin/score');
    const shown = await admin.$$eval('tr.control', (rows) => rows.map((row) => row.getAttribute('data-id')));
    assert.deepEqual(
      shown,
      report.controls.map((control) => control.id),
    );
    assert.match((await admin.textContent('#score-total'))!, new RegExp(`of ${report.maxScore}`));
    // root, the only admin, has TOTP.
    assert.equal(
      await admin.textContent('tr.control[data-id="identity.mfa-admins"] .control-status'),
      'completed',
    );

    // One admin is fewer than the control asks for: accept the risk with a reason; without one, refused.
    const row = admin.locator('tr.control[data-id="identity.admin-count"]');
    assert.equal(await row.locator('.control-status').textContent(), 'to address');
    await row.locator('summary').click();
    await row.locator('select[name=status]').selectOption('risk-accepted');
    const [refused] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      row.locator('button.set-status').click(),
    ]);
    assert.equal(refused.status(), 422);
    assert.match((await admin.textContent('.notice.error'))!, /needs a written reason/);
    await row.locator('summary').click();
    await row.locator('select[name=status]').selectOption('risk-accepted');
    await row.locator('input[name=reason]').fill('a one-person office');
    await Promise.all([
      admin.waitForURL(/saved=identity\.admin-count/),
      row.locator('button.set-status').click(),
    ]);
    assert.equal(await row.locator('.control-status').textContent(), 'risk accepted');
    assert.match(
      (await row.locator('.override').textContent())!,
      /by root@example\.org: a one-person office/,
    );
    const [record] = (
      await harness.testApp.app.audit.search({ operations: ['SetScoreControlStatus'], limit: 1 })
    ).records;
    assert.equal(record?.actor, ROOT);
  });

  test('sending policies: a new scoped policy is saved, a value out of range is refused with the range, and deleted', async () => {
    const app = harness.testApp.app;
    await admin.goto('/admin/policies');
    assert.deepEqual(await admin.$$eval('tr.policy a', (links) => links.map((link) => link.textContent)), [
      'default',
    ]);
    await admin.fill('#new-policy-name', 'sales');
    await Promise.all([admin.waitForURL(/\/admin\/policies\/sales$/), admin.click('#new-policy')]);
    await admin.fill('#policy-users', 'bob@example.org');
    await admin.fill('#policy-priority', '10');
    await admin.fill('#policy-externalPerHour', '0');
    const [refused] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#save-policy'),
    ]);
    assert.equal(refused.status(), 422);
    assert.match((await admin.textContent('.notice.error'))!, /externalPerHour/);
    assert.equal(await app.outbound.getPolicy('sales'), null, 'nothing was saved');
    assert.equal(await admin.inputValue('#policy-users'), 'bob@example.org', 'what was typed is kept');

    await admin.fill('#policy-externalPerHour', '50');
    await admin.selectOption('#policy-action', 'restrict-today');
    await Promise.all([admin.waitForURL(/sales\?saved=1$/), admin.click('#save-policy')]);
    const sales = await app.outbound.getPolicy('sales');
    assert.equal(sales?.settings.externalPerHour, 50);
    assert.equal(sales?.settings.action, 'restrict-today');
    assert.equal(sales?.priority, 10);
    assert.deepEqual(sales?.scope.users, ['bob@example.org']);
    const [set] = (await app.audit.search({ operations: ['SetSendingPolicy'], limit: 1 })).records;
    assert.equal(set?.actor, ROOT);

    await Promise.all([admin.waitForURL(/\/admin\/policies$/), admin.click('#delete-policy')]);
    assert.equal(await app.outbound.getPolicy('sales'), null);
  });

  test('quarantine: a held message is released (delivered) and another deleted, each audited as the admin', async () => {
    const quarantine = harness.testApp.app.outbound.quarantine;
    await admin.goto('/admin/quarantine');
    assert.deepEqual(
      (
        await admin.$$eval('tr.held-message', (rows) => rows.map((row) => row.getAttribute('data-id')))
      ).sort(),
      [...held].sort(),
    );
    assert.match(
      (await admin.textContent(`tr.held-message[data-id="${held[0]}"]`))!,
      /Urgent: verify your account \(1\)/,
    );
    await Promise.all([
      admin.waitForURL(/done=released/),
      admin.click(`tr.held-message[data-id="${held[0]}"] button.release`),
    ]);
    await Promise.all([
      admin.waitForURL(/done=deleted/),
      admin.click(`tr.held-message[data-id="${held[1]}"] button.delete`),
    ]);
    assert.equal(await admin.locator('#nothing-held').count(), 1);
    assert.equal((await quarantine.get(held[0]!))?.status, 'released');
    assert.equal((await quarantine.get(held[1]!))?.status, 'deleted');
    assert.equal((await quarantine.get(held[0]!))?.decidedBy, ROOT);
  });

  test('alerts are acknowledged, then resolved, each audited as the admin', async () => {
    const app = harness.testApp.app;
    await admin.goto('/admin/alerts');
    const row = admin.locator('tr.alert', { hasText: 'User restricted from sending email' });
    await Promise.all([admin.waitForURL('**/admin/alerts'), row.locator('button.acknowledge').click()]);
    assert.equal(await row.locator('.alert-status').textContent(), 'acknowledged');
    await Promise.all([admin.waitForURL('**/admin/alerts'), row.locator('button.resolve').click()]);
    assert.equal(await row.locator('.alert-status').textContent(), 'resolved');
    assert.equal(await row.locator('button').count(), 0, 'nothing left to do with it');
    const updates = (await app.audit.search({ operations: ['UpdateAlert'], limit: 10 })).records;
    assert.equal(updates.length, 2);
    assert.ok(updates.every((update) => update.actor === ROOT));
  });

  test('organization settings: a bad value is refused with its range and nothing is stored; good ones are, audited', async () => {
    const settings = harness.testApp.app.settings;
    await admin.goto('/admin/settings');
    assert.equal(await admin.inputValue('#setting-lockout-threshold'), '10');
    await admin.selectOption('#setting-mfa-requireForAll', 'true');
    await admin.fill('#setting-lockout-threshold', '1');
    const [refused] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#save-settings'),
    ]);
    assert.equal(refused.status(), 422);
    assert.match(
      (await admin.textContent('.notice.error'))!,
      /lockout\.threshold is a whole number from 3 to 100/,
    );
    assert.equal(await admin.inputValue('#setting-lockout-threshold'), '1', 'what was typed is kept');
    assert.equal(await settings.get('mfa.requireForAll'), false, 'nothing was stored');

    await admin.fill('#setting-lockout-threshold', '5');
    await Promise.all([admin.waitForURL(/saved=1/), admin.click('#save-settings')]);
    assert.equal(await settings.get('mfa.requireForAll'), true);
    assert.equal(await settings.get('lockout.threshold'), 5);
    const changes = (await harness.testApp.app.audit.search({ operations: ['ChangeOrgSetting'], limit: 10 }))
      .records;
    assert.ok(changes.length >= 1 && changes.every((record) => record.actor === ROOT));
  });

  test('API tokens: one made here belongs to the admin, is shown once, works, and stops at revocation', async () => {
    await admin.goto('/admin/tokens');
    await admin.fill('#token-name', 'root-laptop');
    await admin.selectOption('#token-role', 'auditor');
    await Promise.all([admin.waitForLoadState('load'), admin.click('#create-token')]);
    const token = (await admin.textContent('#new-token'))!.trim();
    assert.match(token, /^mwt_/);
    const row = admin.locator('tr.token[data-name="root-laptop"]');
    assert.match((await row.textContent())!, /auditor\s*root@example\.org/);
    const call = () =>
      fetch(`${harness.origin}/api/v1/users`, { headers: { authorization: `Bearer ${token}` } }).then(
        (r) => r.status,
      );
    assert.equal(await call(), 200);
    await admin.goto('/admin/tokens');
    assert.ok(!(await admin.content()).includes(token), 'the token is not shown again');
    await Promise.all([admin.waitForURL(/revoked=1/), row.locator('button.revoke').click()]);
    assert.equal(await row.locator('.token-state').textContent(), 'revoked');
    assert.equal(await call(), 401);
    const [created] = (await harness.testApp.app.audit.search({ operations: ['CreateApiToken'], limit: 1 }))
      .records;
    assert.equal(created?.actor, ROOT);
  });

  test('domains and groups: added and audited; a taken name and an unknown user are refused with why', async () => {
    const app = harness.testApp.app;
    await admin.goto('/admin/directory');
    assert.deepEqual(await admin.$$eval('li.domain', (items) => items.map((item) => item.dataset['name'])), [
      'example.org',
    ]);
    await admin.fill('#domain-name', 'Example.NET');
    await Promise.all([admin.waitForURL(/saved=1/), admin.click('#add-domain')]);
    assert.deepEqual((await app.directory.listDomains()).map((domain) => domain.name).sort(), [
      'example.net',
      'example.org',
    ]);
    await admin.fill('#domain-name', 'example.org');
    const [taken] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#add-domain'),
    ]);
    assert.equal(taken.status(), 409);

    await admin.fill('#group-name', 'finance');
    await Promise.all([admin.waitForURL(/saved=1/), admin.click('#add-group')]);
    await admin.fill('#member-group', 'finance');
    await admin.fill('#member-user', 'nobody@example.org');
    const [unknown] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#add-member'),
    ]);
    assert.equal(unknown.status(), 404);
    assert.match((await admin.textContent('.notice.error'))!, /nobody@example\.org/);
    await admin.fill('#member-group', 'finance');
    await admin.fill('#member-user', ALICE);
    await Promise.all([admin.waitForURL(/saved=1/), admin.click('#add-member')]);
    assert.equal(await admin.textContent('tr.group[data-name="finance"] .members'), ALICE);
    const [added] = (await app.audit.search({ operations: ['AddGroupMember'], limit: 1 })).records;
    assert.equal(added?.actor, ROOT);
  });

  test('a new user gets a temporary password, shown once, that must be changed at the first sign-in', async () => {
    await admin.goto('/admin/users');
    await admin.fill('#new-user-address', 'not an address');
    const [refused] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#create-user'),
    ]);
    assert.equal(refused.status(), 422);
    await admin.fill('#new-user-address', 'erin@example.org');
    await admin.fill('#new-user-name', 'Erin');
    await Promise.all([admin.waitForLoadState('load'), admin.click('#create-user')]);
    const temporary = (await admin.textContent('#temporary-password'))!.trim();
    const erin = await harness.testApp.app.directory.findUser('erin@example.org');
    assert.equal(erin?.displayName, 'Erin');
    assert.equal(erin?.role, 'user');
    const [created] = (await harness.testApp.app.audit.search({ operations: ['AddUser'], limit: 1 })).records;
    assert.equal(created?.actor, ROOT);

    const { page } = await harness.newPage();
    await page.goto('/account/sign-in');
    await page.fill('#login', 'erin@example.org');
    await page.fill('#password', temporary);
    await Promise.all([page.waitForURL(/\/account\/password$/), page.click('#sign-in')]);
  });

  test('notifications: a webhook is added with its secret shown once, a bad URL is refused, and it is removed', async () => {
    const notifier = harness.testApp.app.notifier;
    await admin.goto('/admin/notifications');
    assert.match(
      (await admin.textContent('#deliveries'))!,
      /email: root@example\.org/,
      'the admins got the alerts by email',
    );
    await admin.fill('#webhook-name', 'pager');
    await admin.fill('#webhook-url', 'ftp://example.net/hook');
    const [refused] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#add-webhook'),
    ]);
    assert.equal(refused.status(), 422);
    assert.deepEqual(await notifier.listWebhooks(), []);
    await admin.fill('#webhook-name', 'pager');
    await admin.fill('#webhook-url', 'http://169.254.169.254/latest/meta-data/');
    const [internal] = await Promise.all([
      admin.waitForResponse((response) => response.request().method() === 'POST'),
      admin.click('#add-webhook'),
    ]);
    assert.equal(internal.status(), 422);
    assert.match(await internal.text(), /169\.254\.169\.254, a link-local address/);
    assert.deepEqual(await notifier.listWebhooks(), []);
    await admin.fill('#webhook-name', 'pager');
    await admin.fill('#webhook-url', 'https://hooks.example.net/mailwarden');
    await Promise.all([admin.waitForLoadState('load'), admin.click('#add-webhook')]);
    const secret = (await admin.textContent('#webhook-secret'))!.trim();
    assert.ok(secret.length >= 32, secret);
    assert.deepEqual(
      (await notifier.listWebhooks()).map((webhook) => webhook.name),
      ['pager'],
    );
    await admin.goto('/admin/notifications');
    assert.ok(!(await admin.content()).includes(secret), 'the secret is not shown again');
    await Promise.all([
      admin.waitForURL(/removed=1/),
      admin.click('tr.webhook[data-name="pager"] button.remove'),
    ]);
    assert.deepEqual(await notifier.listWebhooks(), []);
  });
});
