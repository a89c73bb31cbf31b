import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { chromium } from 'playwright-core';
import { type RunningServer, startServer } from '../../src/server.js';
import { CHROMIUM_PATH } from '../console/browser-harness.js';
import { freePort } from '../support/cli-process.js';
import {
  DOVEADM_API_KEY,
  type DovecotAuthHarness,
  imapLogin,
  startDovecotAuthHarness,
} from '../support/dovecot-auth-harness.js';
import { missingMailstackBinaries } from '../support/postfix-harness.js';
import { createTestApp, makeTempDir, type TestApp } from '../support/test-app.js';

const SECRET = 'test-dovecot-secret-0123456789abcdef';
const EVENTS_SECRET = 'test-dovecot-events-secret-0123456789';
const actor = { actor: 'cli:test', logonType: 'admin' as const };

const missing = [
  ...missingMailstackBinaries(),
  ...(existsSync('/usr/lib/dovecot/modules/auth/libauthdb_lua.so') ||
  existsSync('/usr/lib/dovecot/modules/auth/lib_authdb_lua.so')
    ? []
    : ['dovecot-auth-lua']),
  ...(existsSync(CHROMIUM_PATH) ? [] : ['chromium']),
];
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')} (.ci/run installs them)` : false;

/** The old server's accounts, each with a hash from Debian's Dovecot in another scheme. */
const ACCOUNTS = [
  { address: 'smtp-user@legacy.example', password: 'smtp user old password', scheme: 'SHA512-CRYPT' },
  { address: 'imap-user@legacy.example', password: 'imap user old password', scheme: 'BLF-CRYPT' },
  { address: 'web-user@legacy.example', password: 'web user old password', scheme: 'SSHA256' },
] as const;

describe('after import dovecot-passwd, the original passwords work everywhere and become argon2id', {
  skip,
}, () => {
  let t: TestApp;
  let server: RunningServer;
  let mail: DovecotAuthHarness;
  const temp = makeTempDir('mw-import-e2e-');

  const storedHash = async (address: string) =>
    (
      await t.app.store.db
        .selectFrom('users')
        .select('password_hash')
        .where('address', '=', address)
        .executeTakeFirst()
    )?.password_hash ?? null;

  before(async () => {
    const doveadmPort = await freePort();
    t = await createTestApp('sqlite', {
      overrides: {
        'dovecot.authSecret': SECRET,
        'dovecot.eventsSecret': EVENTS_SECRET,
        'smtps.enabled': false,
        'dovecot.doveadmUrl': `http://127.0.0.1:${doveadmPort}/doveadm/v1`,
        'dovecot.doveadmApiKey': DOVEADM_API_KEY,
      },
    });
    const file = path.join(temp.dir, 'users');
    writeFileSync(
      file,
      ACCOUNTS.map(
        (account) =>
          `${account.address}:${execFileSync('doveadm', ['pw', '-s', account.scheme, '-p', account.password], { encoding: 'utf8' }).trim()}:5000:5000:${account.scheme} user::`,
      ).join('\n'),
    );
    const imported = await t.app.importing.run(
      { kind: 'dovecot-passwd', file },
      { dryRun: false, sync: false, actor },
    );
    assert.ok(imported.ok && imported.report.users.created === ACCOUNTS.length);
    server = await startServer(t.app);
    mail = await startDovecotAuthHarness({
      httpPort: server.httpPort() ?? 0,
      policyPort: server.policyPort() ?? 0,
      authSecret: SECRET,
      doveadmPort,
      eventsSecret: EVENTS_SECRET,
    });
  });
  after(async () => {
    await mail?.stop();
    await server?.stop();
    await t?.cleanup();
    temp.remove();
  });

  test('SMTP AUTH on the gateway with the original SHA512-CRYPT password', async () => {
    const account = ACCOUNTS[0];
    assert.match((await storedHash(account.address)) ?? '', /^\{SHA512-CRYPT\}/);
    const port = server.smtpPorts().find((listener) => listener.mode === 'starttls')?.port ?? 0;
    const verify = () =>
      nodemailer
        .createTransport({
          host: '127.0.0.1',
          port,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          auth: { user: account.address, pass: account.password },
        })
        .verify();
    assert.equal(await verify(), true);
    assert.match((await storedHash(account.address)) ?? '', /^\$argon2id\$/);
    assert.equal(await verify(), true, 'the same password after the rehash');
  });

  test('IMAP through Dovecot with the Lua passdb with the original BLF-CRYPT password', async () => {
    const account = ACCOUNTS[1];
    assert.match((await storedHash(account.address)) ?? '', /^\{BLF-CRYPT\}/);
    const answer = await imapLogin(mail.imapPort, account.address, account.password);
    assert.match(answer, /^a1 OK/, `${answer}\n${mail.dovecotLog().slice(-2000)}`);
    assert.match((await storedHash(account.address)) ?? '', /^\$argon2id\$/);
    assert.match(await imapLogin(mail.imapPort, account.address, account.password), /^a1 OK/);
    assert.match(await imapLogin(mail.imapPort, account.address, 'a wrong password'), /^a1 NO/);
  });

  test('web sign-in in Chromium with the original SSHA256 password', async () => {
    const account = ACCOUNTS[2];
    assert.match((await storedHash(account.address)) ?? '', /^\{SSHA256\}/);
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-dev-shm-usage',
      ],
      headless: true,
    });
    try {
      const context = await browser.newContext({ baseURL: `http://localhost:${server.httpPort()}` });
      const page = await context.newPage();
      await page.goto('/account/sign-in');
      await page.fill('#login', account.address);
      await page.fill('#password', account.password);
      await Promise.all([page.waitForLoadState('load'), page.click('#sign-in')]);
      assert.match(page.url(), /\/account$/, await page.content());
    } finally {
      await browser.close();
    }
    assert.match((await storedHash(account.address)) ?? '', /^\$argon2id\$/);
  });
});
