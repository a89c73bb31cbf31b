import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { freePort } from '../support/cli-process.js';
import { type DovecotAuthHarness, startDovecotAuthHarness } from '../support/dovecot-auth-harness.js';
import { clientLogin, type MailClientKind, swaksAuth } from '../support/mail-sign-in-clients.js';
import { missingMailstackBinaries } from '../support/postfix-harness.js';
import { addUser, cliActor, createTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'test-dovecot-outage-secret-0123456789';
const PASSWORD = 'harbour-violet-compass';

const missing = [
  ...missingMailstackBinaries(),
  ...[
    '/usr/lib/dovecot/modules/auth/libauthdb_lua.so',
    '/usr/lib/dovecot/pop3-login',
    '/usr/lib/dovecot/managesieve-login',
  ]
    .filter((file) => !existsSync(file))
    .map((file) => file.split('/').at(-1)!),
];
const skip =
  missing.length > 0
    ? `not installed: ${missing.join(', ')} (apt-get install postfix dovecot-imapd dovecot-pop3d dovecot-managesieved dovecot-auth-lua swaks; .ci/run does it)`
    : false;

// The outcome does not depend on the store: SQLite only.
describe('Dovecot and Postfix beside Mailwarden: an outage says "try later", and Mailwarden is the one lockout', {
  skip,
}, () => {
  let testApp: TestApp;
  let app: App;
  let server: RunningServer | null = null;
  let mail: DovecotAuthHarness;
  const appPasswords: Record<string, string> = {};
  const signIn = (kind: MailClientKind | 'smtp', user: string, password: string) => {
    if (kind === 'smtp') return swaksAuth(mail.submissionPort, user, password);
    const port = { imap: mail.imapPort, pop3: mail.pop3Port, sieve: mail.sievePort }[kind];
    return clientLogin(kind, port, user, password);
  };

  before(async () => {
    testApp = await createTestApp('sqlite', {
      overrides: {
        'dovecot.authSecret': SECRET,
        'smtp.enabled': false,
        'smtps.enabled': false,
        // Fixed ports: Mailwarden is stopped and started again on the addresses Dovecot and Postfix know.
        'http.port': await freePort(),
        'policy.port': await freePort(),
      },
    });
    app = testApp.app;
    for (const user of ['alice', 'bob', 'victim', 'dora'])
      await addUser(app, `${user}@example.org`, PASSWORD);
    for (const user of ['alice', 'bob', 'victim', 'dora']) {
      const created = await app.identity.createAppPassword(
        `${user}@example.org`,
        { name: 'mail client', scopes: ['imap', 'pop3', 'sieve', 'smtp'] },
        cliActor,
      );
      assert.ok(created.ok);
      appPasswords[user] = created.password;
    }
    await app.directory.setDisabled('dora@example.org', true, cliActor);
    server = await startServer(app);
    mail = await startDovecotAuthHarness({
      httpPort: server.httpPort() ?? 0,
      policyPort: server.policyPort() ?? 0,
      authSecret: SECRET,
    });
  });
  after(async () => {
    await mail?.stop();
    await server?.stop();
    await testApp?.cleanup();
  });

  test('with Mailwarden stopped, IMAP, POP3, ManageSieve and SMTP AUTH answer "try later" to the right password and a wrong one, and sign in again once it is back', async () => {
    for (const kind of ['imap', 'pop3', 'sieve', 'smtp'] as const)
      assert.equal(
        await signIn(kind, 'alice@example.org', appPasswords['alice']!),
        'ok',
        `${kind} before the outage`,
      );
    await server?.stop();
    server = null;
    const expected = {
      imap: /^refused: .*\[UNAVAILABLE\]/,
      pop3: /^refused: -ERR \[SYS\/TEMP\]/,
      sieve: /^refused: NO \(TRYLATER\)/,
      smtp: /^refused: 454 4\.7\.0 /,
    };
    for (const kind of ['imap', 'pop3', 'sieve', 'smtp'] as const) {
      for (const password of [appPasswords['alice']!, 'not-her-password']) {
        const answer = await signIn(kind, 'alice@example.org', password);
        assert.match(
          answer,
          expected[kind],
          `${kind} while Mailwarden is down: ${answer}\n${mail.dovecotLog().slice(-1500)}`,
        );
        assert.doesNotMatch(answer, /AUTHENTICATIONFAILED|535/, answer);
      }
    }
    // The repeat: still "try later", never a wrong password.
    assert.match(await signIn('imap', 'bob@example.org', appPasswords['bob']!), expected.imap);

    server = await startServer(app);
    for (const kind of ['imap', 'pop3', 'sieve', 'smtp'] as const)
      assert.equal(
        await signIn(kind, 'alice@example.org', appPasswords['alice']!),
        'ok',
        `${kind} after the restart`,
      );
    assert.match(
      await signIn('imap', 'alice@example.org', 'not-her-password'),
      /^refused: .*AUTHENTICATIONFAILED/,
    );
    // Nothing signed in while Mailwarden was down: its log has the attempts before and after only.
    const entries = await app.identity.listSignIns({ login: 'alice@example.org', limit: 100 });
    assert.equal(entries.filter((entry) => entry.result === 'success').length, 8);
  });

  test('after 20 wrong passwords from one address, the right password from it is answered without Dovecot’s auth penalty; Mailwarden’s lockout still refuses the guessed account', async () => {
    for (let i = 0; i < 20; i++)
      assert.match(await signIn('imap', 'victim@example.org', `guess-${i}`), /^refused: /);
    // Refusals of a disabled account fed Dovecot's penalty too.
    for (let i = 0; i < 3; i++)
      assert.match(await signIn('imap', 'dora@example.org', appPasswords['dora']!), /^refused: /);
    // A functional check that no penalty applies (Dovecot's would hold this answer 15 s): a generous bound.
    const started = Date.now();
    assert.equal(await signIn('imap', 'bob@example.org', appPasswords['bob']!), 'ok');
    const elapsedMs = Date.now() - started;
    assert.ok(
      elapsedMs < 3_000,
      `the right password waited ${elapsedMs} ms after 20 failures from the address`,
    );
    // Postfix gives up on Dovecot SASL after 10 s: SMTP AUTH from the same address still signs in.
    assert.equal(await signIn('smtp', 'bob@example.org', appPasswords['bob']!), 'ok');
    // The one lockout that applies is Mailwarden's: the guessed account is locked for this network.
    const locked = await signIn('imap', 'victim@example.org', appPasswords['victim']!);
    assert.match(locked, /Too many failed sign-ins from your network/, locked);
    assert.equal(
      (await app.identity.listSignIns({ login: 'victim@example.org', limit: 1 }))[0]?.reason,
      'locked-out',
    );
  });
});
