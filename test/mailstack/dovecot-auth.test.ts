import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import type { App } from '../../src/app.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { sendUntilRestricted } from '../api/sending.js';
import { freePort } from '../support/cli-process.js';
import {
  DOVEADM_API_KEY,
  type DovecotAuthHarness,
  imapLogin,
  MASTER_USER,
  startDovecotAuthHarness,
} from '../support/dovecot-auth-harness.js';
import { heldImapSession } from '../support/imap-held-session.js';
import { missingMailstackBinaries } from '../support/postfix-harness.js';
import { addUser, cliActor, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const SECRET = 'test-dovecot-secret-0123456789abcdef';
const EVENTS_SECRET = 'test-dovecot-events-secret-0123456789';
const PASSWORD = 'lantern-orchard-piano';

const missing = [
  ...missingMailstackBinaries(),
  ...(existsSync('/usr/lib/dovecot/modules/auth/libauthdb_lua.so') ||
  existsSync('/usr/lib/dovecot/modules/auth/lib_authdb_lua.so')
    ? []
    : ['dovecot-auth-lua']),
];
const skip =
  missing.length > 0
    ? `not installed: ${missing.join(', ')} (apt-get install postfix dovecot-imapd dovecot-auth-lua; .ci/run does it)`
    : false;

/** Python's imaplib signs in: "ok", or "refused: " and the server's text as imaplib reports it. */
async function imaplibLogin(port: number, user: string, password: string): Promise<string> {
  const script = [
    'import imaplib, sys',
    'client = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=20)',
    'try:',
    '    client.login(sys.argv[2], sys.argv[3])',
    '    print("ok")',
    '    client.logout()',
    'except imaplib.IMAP4.error as error:',
    '    print("refused: " + str(error))',
  ].join('\n');
  const { stdout } = await promisify(execFile)('python3', ['-c', script, String(port), user, password]);
  return stdout.trim();
}

for (const kind of storeKinds) {
  describe(`Dovecot and Postfix sign in through Mailwarden (${kind})`, { skip }, () => {
    let testApp: TestApp;
    let app: App;
    let server: RunningServer;
    let mail: DovecotAuthHarness;
    const appPasswords: Record<string, string> = {};

    const newAppPassword = async (user: string, scopes: string[]) => {
      const created = await app.identity.createAppPassword(user, { name: 'mail client', scopes }, cliActor);
      assert.ok(created.ok);
      return created.password;
    };
    const smtpAuth = (user: string, pass: string) =>
      nodemailer
        .createTransport({
          host: '127.0.0.1',
          port: mail.submissionPort,
          requireTLS: true,
          tls: { rejectUnauthorized: false },
          auth: { user, pass },
        })
        .verify()
        .then(
          () => 'ok',
          (error: { response?: string }) => error.response ?? String(error),
        );
    const log = (login: string) => app.identity.listSignIns({ login, limit: 1000 });

    before(async () => {
      const doveadmPort = await freePort();
      testApp = await createTestApp(kind, {
        overrides: {
          'dovecot.authSecret': SECRET,
          'dovecot.eventsSecret': EVENTS_SECRET,
          'smtp.enabled': false,
          'smtps.enabled': false,
          'dovecot.doveadmUrl': `http://127.0.0.1:${doveadmPort}/doveadm/v1`,
          'dovecot.doveadmApiKey': DOVEADM_API_KEY,
        },
      });
      app = testApp.app;
      for (const user of ['alice', 'mia', 'dave', 'erin', 'rita'])
        await addUser(app, `${user}@example.org`, PASSWORD);
      await app.store.db
        .updateTable('users')
        .set({ mfa_state: 'enabled' })
        .where('address', '=', 'mia@example.org')
        .execute();
      for (const user of ['alice', 'mia', 'dave', 'erin', 'rita'])
        appPasswords[user] = await newAppPassword(`${user}@example.org`, ['imap', 'smtp']);
      await app.directory.setDisabled('dave@example.org', true, cliActor);
      server = await startServer(app);
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
      await testApp?.cleanup();
    });

    test('IMAP login with an app password works, and is in the sign-in log as imap from the client', async () => {
      const answer = await imapLogin(mail.imapPort, 'alice@example.org', appPasswords['alice']!);
      assert.match(answer, /^a1 OK/, `${answer}\n${mail.dovecotLog().slice(-2000)}`);
      const [entry] = await log('alice@example.org');
      assert.equal(entry?.protocol, 'imap');
      assert.equal(entry?.result, 'success');
      assert.equal(entry?.credential, 'app-password:mail client');
      assert.equal(entry?.clientIp, '127.0.0.1');
      assert.equal(entry?.client, 'dovecot:imap');
    });

    test('IMAP login with the account password of an MFA user fails; the log says an app password is required', async () => {
      const answer = await imapLogin(mail.imapPort, 'mia@example.org', PASSWORD);
      assert.match(answer, /^a1 NO /);
      const [entry] = await log('mia@example.org');
      assert.equal(entry?.result, 'failure');
      assert.equal(entry?.reason, 'mfa-user-account-password');
      assert.match(await imapLogin(mail.imapPort, 'mia@example.org', appPasswords['mia']!), /^a1 OK/);
    });

    test('under app-passwords-only, an IMAP client (imaplib) refused the account password is told an app password is required', async () => {
      await app.settings.change({ 'mailSignIn.accountPassword': 'app-passwords-only' }, cliActor);
      try {
        const refused = await imaplibLogin(mail.imapPort, 'alice@example.org', PASSWORD);
        assert.match(
          refused,
          /^refused: .*Application-specific password required: sign in with an app password/,
          refused,
        );
        // A wrong password still gets the bare failure, which tells a guesser nothing.
        const wrong = await imaplibLogin(mail.imapPort, 'alice@example.org', 'not-her-password');
        assert.doesNotMatch(wrong, /app password/i, wrong);
        assert.match(wrong, /^refused: /, wrong);
        assert.equal(await imaplibLogin(mail.imapPort, 'alice@example.org', appPasswords['alice']!), 'ok');
      } finally {
        await app.settings.change({ 'mailSignIn.accountPassword': 'allowed' }, cliActor);
      }
    });

    test('the doveadm auth test of docs/OPERATIONS.md signs in with an app password; without a service it is refused', async () => {
      const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
      const operations = readFileSync(path.join(root, 'docs', 'OPERATIONS.md'), 'utf8');
      const documented = /`doveadm auth test ([^`]*) alice@example\.org '<app password>'`/.exec(operations);
      assert.ok(documented, 'OPERATIONS.md shows the command');
      const options = documented[1]!.split(' ');
      const conf = path.join(mail.workDir, 'dovecot', 'dovecot.conf');
      const run = (args: string[]) =>
        promisify(execFile)('doveadm', ['-c', conf, 'auth', 'test', ...args]).then(
          (done) => `ok ${done.stdout}`,
          (error: { stdout?: string; stderr?: string }) =>
            `refused ${error.stdout ?? ''}${error.stderr ?? ''}`,
        );
      const tested = await run([...options, 'alice@example.org', appPasswords['alice']!]);
      assert.match(tested, /^ok .*auth succeeded/s, tested);
      assert.match(await run(['alice@example.org', appPasswords['alice']!]), /^refused /);
      const [entry] = await log('alice@example.org');
      assert.deepEqual(
        [entry?.protocol, entry?.reason],
        ['imap', 'signed-in'],
        'the documented test is an IMAP sign-in',
      );
    });

    test('a disabled account gets Dovecot’s authentication failure, even with the right app password', async () => {
      const answer = await imapLogin(mail.imapPort, 'dave@example.org', appPasswords['dave']!);
      assert.match(answer, /^a1 NO \[AUTHENTICATIONFAILED\]/);
      assert.equal((await log('dave@example.org'))[0]?.reason, 'account-disabled');
    });

    test('a locked-out account is denied by the auth policy with Mailwarden’s message', async () => {
      for (let i = 0; i < 10; i++)
        assert.match(await imapLogin(mail.imapPort, 'erin@example.org', `wrong-password-${i}`), /^a1 NO /);
      const answer = await imapLogin(mail.imapPort, 'erin@example.org', appPasswords['erin']!);
      assert.match(answer, /^a1 NO .*Too many failed sign-ins from your network/);
      const entries = await log('erin@example.org');
      assert.equal(entries[0]?.reason, 'locked-out');
      assert.equal(entries.filter((entry) => entry.reason === 'wrong-password').length, 10);
      // The same through Postfix: SMTP AUTH is denied for the locked-out network too.
      assert.match(await smtpAuth('erin@example.org', appPasswords['erin']!), /^535 /);
      assert.ok((await app.identity.unlockUser('erin@example.org', cliActor)).ok);
      assert.match(await imapLogin(mail.imapPort, 'erin@example.org', appPasswords['erin']!), /^a1 OK/);
    });

    test('SMTP AUTH through Postfix follows the same rules: app password yes, MFA user’s account password no', async () => {
      assert.equal(await smtpAuth('alice@example.org', appPasswords['alice']!), 'ok');
      assert.match(await smtpAuth('mia@example.org', PASSWORD), /^535 /);
      const smtp = (await log('alice@example.org')).find((entry) => entry.protocol === 'smtp');
      assert.equal(smtp?.result, 'success');
      assert.equal(
        (await log('mia@example.org')).find((entry) => entry.protocol === 'smtp')?.reason,
        'mfa-user-account-password',
      );
    });

    test('a master user opens a mailbox with their own password; the account’s logs name them as admin', async () => {
      const login = `alice@example.org*${MASTER_USER.name}`;
      const answer = await imapLogin(mail.imapPort, login, MASTER_USER.password);
      assert.match(answer, /^a1 OK/, `${answer}\n${mail.dovecotLog().slice(-2000)}`);
      const [entry] = await log('alice@example.org');
      assert.equal(entry?.result, 'success');
      assert.equal(entry?.reason, 'master-user');
      assert.equal(entry?.credential, `master-user:${MASTER_USER.name}`);
      assert.equal(entry?.protocol, 'imap');
      const { records } = await app.audit.search({
        mailbox: 'alice@example.org',
        operations: ['MailboxLogin'],
        limit: 1,
      });
      assert.equal(records[0]?.actor, MASTER_USER.name);
      assert.equal(records[0]?.logonType, 'admin');
      // A wrong master password is Dovecot's to refuse: Mailwarden is not asked, the account keeps its log.
      const wrong = await imapLogin(mail.imapPort, login, 'not-the-master-password');
      assert.match(wrong, /^a1 NO /);
      assert.equal((await log('alice@example.org'))[0]?.id, entry?.id, 'nothing new on the account');
      // The master user cannot open a disabled account; the attempt is on that account's log.
      const disabled = await imapLogin(
        mail.imapPort,
        `dave@example.org*${MASTER_USER.name}`,
        MASTER_USER.password,
      );
      assert.match(disabled, /^a1 NO /);
      const [refused] = await log('dave@example.org');
      assert.equal(refused?.result, 'failure');
      assert.equal(refused?.reason, 'account-disabled');
      assert.equal(refused?.credential, `master-user:${MASTER_USER.name}`);
    });

    /** Waits until Dovecot's exporter delivered `more` events beyond `before` and all are in the audit log. */
    const eventsIngested = async (before: number, more: number) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const counts = await eventCounts();
        if (counts.seen >= before + more && counts.backlog === 0) return;
        if (Date.now() > deadline)
          assert.fail(
            `Dovecot's events never arrived: ${JSON.stringify(counts)}\n${mail.dovecotLog().slice(-2000)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const eventCounts = async () => {
      const text = await (await fetch(`http://127.0.0.1:${server.httpPort()}/metrics`)).text();
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
      return {
        seen:
          value(/^mailwarden_dovecot_events_total\{outcome="accepted"\} (\d+)$/m) +
          value(/^mailwarden_dovecot_events_total\{outcome="ignored"\} (\d+)$/m),
        backlog: value(/^mailwarden_dovecot_events_backlog (\d+)$/m),
      };
    };

    test('one sign-in is one MailboxLogin record, though Dovecot also exports its auth_request_finished', async () => {
      await addUser(app, 'gina@example.org', PASSWORD);
      const password = await newAppPassword('gina@example.org', ['imap']);
      const before = (await eventCounts()).seen;
      assert.match(await imapLogin(mail.imapPort, 'gina@example.org', password), /^a1 OK/);
      assert.match(await imapLogin(mail.imapPort, 'gina@example.org', 'not-her-password'), /^a1 NO /);
      // Each sign-in's auth_request_finished, and the IMAP session's end.
      await eventsIngested(before, 3);
      const { records } = await app.audit.search({
        mailbox: 'gina@example.org',
        operations: ['MailboxLogin'],
        limit: 1000,
      });
      assert.deepEqual(
        records.map((record) => [record.result, record.details?.['source'] ?? 'mailwarden']).reverse(),
        [
          ['success', 'mailwarden'],
          ['failure', 'mailwarden'],
        ],
        JSON.stringify(records),
      );
      assert.equal(new Set(records.map((record) => record.sessionId)).size, 2);
    });

    test('every attempt is in the sign-in log and in the audit log', async () => {
      const all = await app.identity.listSignIns({ limit: 1000 });
      // alice: imap ok, smtp ok, master user ok; mia: imap no, imap ok, smtp no; dave: 1, master user
      // refused; erin: 10 wrong, 1 locked (imap), 1 locked (smtp), 1 ok after unlock; gina: ok, no;
      // alice under app-passwords-only: account password, wrong password, app password; doveadm auth test.
      assert.equal(
        all.length,
        3 + 3 + 2 + 13 + 2 + 3 + 1,
        JSON.stringify(all.map((entry) => [entry.login, entry.protocol, entry.reason])),
      );
      // Dovecot's own events of these sign-ins (conf.d/95) are all in: none is a second record.
      await eventsIngested(0, 0);
      const { records } = await app.audit.search({ operations: ['MailboxLogin'], limit: 1000 });
      // Plus the wrong master password, which Dovecot refused without asking Mailwarden: its event.
      assert.equal(
        records.length,
        all.length + 1,
        JSON.stringify(
          records.map((r) => [r.mailbox, r.actor, r.result, r.sessionId, r.details?.['source']]),
        ),
      );
    });

    // After the count above: this one signs in more.
    test('securing the account closes the intruder’s open IMAP session, and neither credential signs in again', async () => {
      await addUser(app, 'frank@example.org', PASSWORD);
      const stolen = await newAppPassword('frank@example.org', ['imap']);
      const intruder = heldImapSession(mail.imapPort, 'frank@example.org', stolen);
      try {
        assert.equal(await intruder.ready(), 'logged-in');
        assert.equal(await intruder.probe(), 'connected');
        const secured = await app.respond.secureAccount('frank@example.org', {}, cliActor);
        assert.ok(secured.ok);
        assert.deepEqual(
          secured.steps.map((step) => [step.step, step.status]),
          [
            ['reset-password', 'done'],
            ['require-mfa', 'done'],
            ['revoke-api-tokens', 'unchanged'],
            ['disable-inbox-rules', 'unchanged'],
            ['end-mail-sessions', 'done'],
            ['release', 'skipped'],
          ],
          JSON.stringify(secured.steps),
        );
        assert.match(await intruder.disconnected(), /^disconnected/);
      } finally {
        intruder.stop();
      }
      assert.match(await imapLogin(mail.imapPort, 'frank@example.org', stolen), /^a1 NO /);
      assert.match(await imapLogin(mail.imapPort, 'frank@example.org', PASSWORD), /^a1 NO /);
      const [refused] = await log('frank@example.org');
      assert.equal(refused?.result, 'failure');
    });

    // After the count above: this one signs in more.
    test('an account restricted from sending still opens its mailbox over IMAP and signs in to Postfix, whose policy service refuses its mail with 5.1.8 until the release', async () => {
      const policy = await app.outbound.setPolicy(
        'tight',
        { settings: { externalPerHour: 2 }, scope: { users: ['rita@example.org'] } },
        cliActor,
      );
      assert.ok(policy.ok);
      await sendUntilRestricted(app, 'rita@example.org');
      const send = (subject: string) =>
        nodemailer
          .createTransport({
            host: '127.0.0.1',
            port: mail.submissionPort,
            requireTLS: true,
            tls: { rejectUnauthorized: false },
            auth: { user: 'rita@example.org', pass: appPasswords['rita']! },
          })
          .sendMail({ from: 'rita@example.org', to: 'someone@customer.test', subject, text: 'hi' });

      const answer = await imapLogin(mail.imapPort, 'rita@example.org', appPasswords['rita']!);
      assert.match(answer, /^a1 OK/, `${answer}\n${mail.dovecotLog().slice(-2000)}`);
      assert.equal(await smtpAuth('rita@example.org', appPasswords['rita']!), 'ok');
      const entries = await log('rita@example.org');
      assert.ok(entries.some((entry) => entry.protocol === 'imap' && entry.result === 'success'));
      assert.ok(entries.some((entry) => entry.protocol === 'smtp' && entry.result === 'success'));
      assert.ok(
        entries.every((entry) => entry.result === 'success'),
        'no sign-in of the restricted account was refused',
      );
      await assert.rejects(send('while restricted'), (error: { response?: string }) => {
        assert.match(error.response ?? '', /^550 5\.1\.\d+ .*Access denied, bad outbound sender/);
        return true;
      });

      // A disabled account stays out of both.
      assert.match(await smtpAuth('dave@example.org', appPasswords['dave']!), /^535 /);
      assert.match(await imapLogin(mail.imapPort, 'dave@example.org', appPasswords['dave']!), /^a1 NO /);

      const released = await app.outbound.release(
        'rita@example.org',
        { reason: 'checked with the user', force: true },
        cliActor,
      );
      assert.ok(released.ok, JSON.stringify(released));
      const info = await send('after the release');
      assert.match(info.response, /^250 /);
    });
  });
}
