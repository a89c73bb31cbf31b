import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { freePort, runMailwarden } from '../support/cli-process.js';
import { MASTER_USER } from '../support/dovecot-auth-harness.js';
import {
  type Dovecot24Harness,
  missingDovecot24,
  startDovecot24Harness,
} from '../support/dovecot24-harness.js';
import { clientLogin, swaksAuth } from '../support/mail-sign-in-clients.js';
import { missingMailstackBinaries } from '../support/postfix-harness.js';
import { addUser, cliActor, createTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'test-dovecot24-auth-secret-0123456789';
const EVENTS_SECRET = 'test-dovecot24-events-secret-0123456789';

const missing = [...missingMailstackBinaries(), ...(missingDovecot24() ? [missingDovecot24()] : [])];
const skip = missing.length > 0 ? `not available: ${missing.join(', ')}` : false;

// Dovecot 2.4 with deploy/dovecot-2.4/ as `mailwarden setup dovecot --dovecot 2.4` fills it in. SQLite only.
describe('Dovecot 2.4 (Debian 13) signs in through Mailwarden with the 2.4 templates', { skip }, () => {
  let testApp: TestApp;
  let app: App;
  let server: RunningServer | null = null;
  let mail: Dovecot24Harness;
  let env: Record<string, string>;
  const appPasswords: Record<string, string> = {};

  before(async () => {
    const [httpPort, policyPort] = [await freePort(), await freePort()];
    testApp = await createTestApp('sqlite', {
      overrides: {
        'dovecot.authSecret': SECRET,
        'dovecot.eventsSecret': EVENTS_SECRET,
        'smtp.enabled': false,
        'smtps.enabled': false,
        'http.port': httpPort,
        'policy.port': policyPort,
      },
    });
    app = testApp.app;
    for (const user of ['alice', 'bob', 'victim']) {
      await addUser(app, `${user}@example.org`, 'an-account-password-0');
      const created = await app.identity.createAppPassword(
        `${user}@example.org`,
        { name: 'mail client', scopes: ['imap', 'pop3', 'sieve', 'smtp'] },
        cliActor,
      );
      assert.ok(created.ok);
      appPasswords[user] = created.password;
    }
    server = await startServer(app);
    env = {
      MAILWARDEN_DOVECOT_AUTH_SECRET: SECRET,
      MAILWARDEN_DOVECOT_EVENTS_SECRET: EVENTS_SECRET,
      MAILWARDEN_HTTP_PORT: String(httpPort),
      MAILWARDEN_POLICY_PORT: String(policyPort),
    };
    mail = await startDovecot24Harness({ env });
  });
  after(async () => {
    await mail?.stop();
    await server?.stop();
    await testApp?.cleanup();
  });

  const eventsSeen = async () => {
    const text = await (await fetch(`http://127.0.0.1:${server?.httpPort()}/metrics`)).text();
    const value = (outcome: string) =>
      Number(
        new RegExp(`^mailwarden_dovecot_events_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(
          text,
        )?.[1] ?? 0,
      );
    return { delivered: value('accepted') + value('ignored'), failed: value('failed') + value('refused') };
  };

  test('IMAP, POP3, ManageSieve and SMTP AUTH through Postfix sign in with an app password, a wrong one is refused, all in the sign-in log; the 2.4 event exporter reaches Mailwarden', async () => {
    assert.match(mail.dovecotVersion, /^2\.4\./);
    assert.equal(
      await clientLogin('imap', mail.imapPort, 'alice@example.org', appPasswords['alice']!),
      'ok',
      mail.dovecotLog().slice(-2000),
    );
    assert.equal(await clientLogin('pop3', mail.pop3Port, 'alice@example.org', appPasswords['alice']!), 'ok');
    assert.equal(
      await clientLogin('sieve', mail.sievePort, 'alice@example.org', appPasswords['alice']!),
      'ok',
    );
    assert.equal(await swaksAuth(mail.submissionPort, 'alice@example.org', appPasswords['alice']!), 'ok');
    assert.match(
      await clientLogin('imap', mail.imapPort, 'alice@example.org', 'not-her-password'),
      /^refused: .*AUTHENTICATIONFAILED/,
    );
    const entries = await app.identity.listSignIns({ login: 'alice@example.org', limit: 10 });
    assert.deepEqual(entries.map((entry) => [entry.protocol, entry.result, entry.clientIp]).reverse(), [
      ['imap', 'success', '127.0.0.1'],
      ['pop3', 'success', '127.0.0.1'],
      ['sieve', 'success', '127.0.0.1'],
      ['smtp', 'success', '127.0.0.1'],
      ['imap', 'failure', '127.0.0.1'],
    ]);
    const deadline = Date.now() + 20_000;
    let seen = await eventsSeen();
    while (seen.delivered < 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen = await eventsSeen();
    }
    assert.ok(
      seen.delivered >= 5,
      `Dovecot 2.4's events reached Mailwarden: ${JSON.stringify(seen)}\n${mail.dovecotLog().slice(-1500)}`,
    );
    assert.equal(seen.failed, 0);
  });

  test('with Mailwarden stopped, Dovecot 2.4 answers "try later" on IMAP, POP3 and ManageSieve and Postfix 454 4.7.0, and signs in again once it is back', async () => {
    await server?.stop();
    server = null;
    try {
      assert.match(
        await clientLogin('imap', mail.imapPort, 'alice@example.org', appPasswords['alice']!),
        /^refused: .*\[UNAVAILABLE\]/,
      );
      assert.match(
        await clientLogin('pop3', mail.pop3Port, 'alice@example.org', appPasswords['alice']!),
        /^refused: -ERR \[SYS\/TEMP\]/,
      );
      assert.match(
        await clientLogin('sieve', mail.sievePort, 'alice@example.org', appPasswords['alice']!),
        /^refused: NO \(TRYLATER\)/,
      );
      assert.match(
        await swaksAuth(mail.submissionPort, 'alice@example.org', appPasswords['alice']!),
        /^refused: 454 4\.7\.0 /,
      );
    } finally {
      server = await startServer(app);
    }
    assert.equal(await clientLogin('imap', mail.imapPort, 'alice@example.org', appPasswords['alice']!), 'ok');
    assert.equal(await swaksAuth(mail.submissionPort, 'alice@example.org', appPasswords['alice']!), 'ok');
  });

  test('after 20 wrong passwords from one address, Dovecot 2.4 answers the right password of another account without its auth penalty', async () => {
    for (let i = 0; i < 20; i++)
      assert.match(
        await clientLogin('imap', mail.imapPort, 'victim@example.org', `guess-${i}`),
        /^refused: /,
      );
    // A functional check that no penalty applies (Dovecot's would hold this answer 15 s): a generous bound.
    const started = Date.now();
    assert.equal(await clientLogin('imap', mail.imapPort, 'bob@example.org', appPasswords['bob']!), 'ok');
    const elapsedMs = Date.now() - started;
    assert.ok(elapsedMs < 3_000, `the right password waited ${elapsedMs} ms`);
    assert.match(
      await clientLogin('imap', mail.imapPort, 'victim@example.org', appPasswords['victim']!),
      /Too many failed sign-ins from your network/,
    );
  });

  test('a master user opens a mailbox over IMAP with their own password through the shipped 2.4 93 file; a wrong master password is refused without asking Mailwarden', async () => {
    const login = `alice@example.org*${MASTER_USER.name}`;
    const answer = await clientLogin('imap', mail.imapPort, login, MASTER_USER.password);
    assert.equal(answer, 'ok', `${answer}\n${mail.dovecotLog().slice(-2000)}`);
    const log = () => app.identity.listSignIns({ login: 'alice@example.org', limit: 1 });
    const [entry] = await log();
    assert.equal(entry?.result, 'success');
    assert.equal(entry?.protocol, 'imap');
    assert.equal(entry?.reason, 'master-user');
    assert.equal(entry?.credential, `master-user:${MASTER_USER.name}`);
    // Dovecot checks the master password itself: Mailwarden is not asked, the account's log keeps still.
    assert.match(
      await clientLogin('imap', mail.imapPort, login, 'not-the-master-password'),
      /^refused: .*AUTHENTICATIONFAILED/,
    );
    assert.equal((await log())[0]?.id, entry?.id, 'nothing new on the account');
    // The master user's own name is no mailbox: they sign in only as someone else.
    assert.match(
      await clientLogin('imap', mail.imapPort, MASTER_USER.name, MASTER_USER.password),
      /^refused: /,
    );
  });

  const doctor = () =>
    runMailwarden(
      [
        'doctor',
        '--json',
        '--dovecot-root',
        mail.rootfs,
        '--dovecot-dir',
        mail.dovecotDir,
        '--dovecot-config',
        mail.dovecotConfig,
        '--postfix-dir',
        mail.postfixDir,
      ],
      { env },
    );
  const findings = (stdout: string) =>
    (JSON.parse(stdout) as { findings: { check: string; ok: boolean; detail: string; fix?: string }[] })
      .findings;

  test("Postfix's SMTP AUTH goes through the shipped 92 socket in its spool, and doctor finds nothing wrong with Dovecot 2.4 run chrooted", async () => {
    assert.match(
      readFileSync(path.join(mail.postfixDir, 'main.cf'), 'utf8'),
      /^smtpd_sasl_path = private\/auth$/m,
    );
    assert.equal(await swaksAuth(mail.submissionPort, 'alice@example.org', appPasswords['alice']!), 'ok');
    const checked = await doctor();
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    const all = findings(checked.stdout);
    assert.ok(
      all.every((finding) => finding.ok),
      JSON.stringify(all, null, 2),
    );
    const named = (prefix: string) => all.find((finding) => finding.check.startsWith(prefix));
    assert.match(named('dovecot version')?.detail ?? '', /^2\.4\./);
    assert.equal(
      named('Dovecot SASL socket')?.check,
      `Dovecot SASL socket ${path.join(mail.postfixSpool, 'private', 'auth')}`,
    );
    for (const check of [
      'header file',
      'passdb script',
      'Mailwarden at',
      'doveconf -c',
      'auth_policy_reject_on_fail',
      'auth_failure_delay',
      "Dovecot's auth penalty",
      'postfix TLS',
      'policy service',
    ])
      assert.ok(named(check), `doctor checks ${check}: ${JSON.stringify(all)}`);
  });

  test('doctor finds a broken 2.4 header file (wrong mode, a final newline) and says how to fix it; all is well once fixed', async () => {
    const header = path.join(mail.rootfs, mail.dovecotDir, 'mailwarden-auth.header');
    chmodSync(header, 0o644);
    appendFileSync(header, '\n');
    try {
      const checked = await doctor();
      assert.equal(checked.code, 1, checked.stdout + checked.stderr);
      const problems = findings(checked.stdout).filter((finding) => !finding.ok);
      assert.deepEqual(
        problems.map((finding) => finding.check),
        [`header file ${mail.dovecotDir}/mailwarden-auth.header`],
      );
      assert.match(problems[0]?.detail ?? '', /mode 644, not 640.*ends with a newline/);
      // The fix names the file where it lies on this machine, not inside the chroot.
      assert.ok(problems[0]?.fix?.includes(`chmod 0640 ${header}`), problems[0]?.fix);
    } finally {
      writeFileSync(header, `Authorization: Bearer ${SECRET}`);
      chmodSync(header, 0o640);
    }
    const fixed = await doctor();
    assert.equal(fixed.code, 0, fixed.stdout);
  });
});
