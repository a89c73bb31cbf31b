import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import {
  APP_PASSWORD_LAST_USE_REFRESH_MS,
  LAST_SIGN_IN_REFRESH_MS,
  type SignInProtocol,
} from '../../src/identity/index.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { addUser, cliActor, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const PASSWORD = 'lantern-orchard-piano';
/** 81.2.69.0/24 is London in the shipped DB-IP data; 81.2.70.x another network there. */
const HOME_IP = '81.2.69.142';

function signIn(
  app: App,
  login: string,
  secret: string,
  protocol: SignInProtocol = 'imap',
  clientIp = HOME_IP,
) {
  return app.identity.signIn({ login, secret, protocol, clientIp, clientInfo: 'test' });
}

async function setOrg(app: App, changes: Record<string, unknown>) {
  const outcome = await app.settings.change(changes, cliActor);
  assert.ok(outcome.ok);
}

for (const kind of storeKinds) {
  describe(`sign-in pipeline (${kind})`, () => {
    let testApp: TestApp;
    let app: App;
    const clock = createManualClock(Date.parse('2026-11-02T09:00:00Z'));
    before(async () => {
      testApp = await createTestApp(kind, { clock });
      app = testApp.app;
      await addUser(app, 'alice@example.org', PASSWORD);
      await addUser(app, 'mfa@example.org', PASSWORD);
      await app.store.db
        .updateTable('users')
        .set({ mfa_state: 'enabled' })
        .where('address', '=', 'mfa@example.org')
        .execute();
    });
    after(() => testApp.cleanup());

    test('an app password signs in to its scopes only, and records its last use', async () => {
      const created = await app.identity.createAppPassword(
        'alice@example.org',
        { name: 'phone', scopes: ['imap', 'smtp'] },
        cliActor,
      );
      assert.ok(created.ok);
      assert.match(created.password, /^([a-z2-9]{4}-){4}[a-z2-9]{4}$/);
      const ok = await signIn(app, 'alice@example.org', created.password, 'imap');
      assert.ok(ok.ok);
      assert.equal(ok.credential, 'app-password:phone');
      // Typed without dashes, in capitals: still the same password.
      const typed = await signIn(
        app,
        'ALICE@example.org',
        created.password.replaceAll('-', '').toUpperCase(),
        'smtp',
      );
      assert.ok(typed.ok);
      const sieve = await signIn(app, 'alice@example.org', created.password, 'sieve');
      assert.equal(sieve.ok, false);
      assert.equal(!sieve.ok && sieve.code, 'app-password-scope');
      const web = await signIn(app, 'alice@example.org', created.password, 'web');
      assert.equal(!web.ok && web.code, 'bad-credentials', 'the web never takes an app password');
      const listed = await app.identity.listAppPasswords('alice@example.org');
      assert.ok(listed.ok);
      assert.equal(listed.appPasswords[0]?.lastUsedProtocol, 'smtp');
      assert.equal(listed.appPasswords[0]?.lastUsedIp, HOME_IP);
      const row = await app.store.db.selectFrom('app_passwords').selectAll().executeTakeFirstOrThrow();
      assert.ok(!row.secret_hash.includes(created.password.replaceAll('-', '')), 'only a hash is stored');
    });

    test('an app password last use is rewritten at most once a minute while address and protocol stay', async () => {
      const created = await app.identity.createAppPassword(
        'alice@example.org',
        { name: 'poller', scopes: ['imap', 'smtp'] },
        cliActor,
      );
      assert.ok(created.ok);
      const lastUse = async () =>
        await app.store.db
          .selectFrom('app_passwords')
          .select(['last_used_at', 'last_used_ip', 'last_used_protocol'])
          .where('name', '=', 'poller')
          .executeTakeFirstOrThrow();
      const start = clock.nowMs();
      assert.ok((await signIn(app, 'alice@example.org', created.password, 'imap')).ok);
      assert.equal((await lastUse()).last_used_at, start);
      clock.advanceMs(APP_PASSWORD_LAST_USE_REFRESH_MS / 2);
      assert.ok((await signIn(app, 'alice@example.org', created.password, 'imap')).ok);
      assert.equal(
        (await lastUse()).last_used_at,
        start,
        'the same address and protocol within a minute: no write',
      );
      assert.ok((await signIn(app, 'alice@example.org', created.password, 'smtp')).ok);
      assert.deepEqual(await lastUse(), {
        last_used_at: clock.nowMs(),
        last_used_ip: HOME_IP,
        last_used_protocol: 'smtp',
      });
      clock.advanceMs(APP_PASSWORD_LAST_USE_REFRESH_MS);
      assert.ok((await signIn(app, 'alice@example.org', created.password, 'smtp')).ok);
      assert.equal((await lastUse()).last_used_at, clock.nowMs(), 'a minute later it is rewritten');
    });

    test('a successful sign-in keeps the user last sign-in, rewritten at most hourly; a failed one never', async () => {
      await addUser(app, 'dana@example.org', PASSWORD);
      await setOrg(app, { 'mailSignIn.accountPassword': 'allowed' });
      const lastSignIn = async () =>
        (
          await app.store.db
            .selectFrom('users')
            .select('last_sign_in_at')
            .where('address', '=', 'dana@example.org')
            .executeTakeFirstOrThrow()
        ).last_sign_in_at;
      assert.equal(await lastSignIn(), null);
      assert.equal((await signIn(app, 'dana@example.org', 'not the password at all')).ok, false);
      assert.equal(await lastSignIn(), null, 'a failure is not a sign-in');
      const first = clock.nowMs();
      assert.ok((await signIn(app, 'dana@example.org', PASSWORD)).ok);
      assert.equal(await lastSignIn(), first);
      clock.advanceMs(LAST_SIGN_IN_REFRESH_MS / 2);
      assert.ok((await signIn(app, 'dana@example.org', PASSWORD)).ok);
      assert.equal(await lastSignIn(), first, 'within the hour: no write');
      clock.advanceMs(LAST_SIGN_IN_REFRESH_MS);
      assert.ok((await signIn(app, 'dana@example.org', PASSWORD)).ok);
      assert.equal(await lastSignIn(), clock.nowMs());
      await setOrg(app, { 'mailSignIn.accountPassword': 'app-passwords-only' });
    });

    test('a revoked app password stops working on the very next sign-in', async () => {
      const created = await app.identity.createAppPassword(
        'alice@example.org',
        { name: 'laptop', scopes: ['imap'] },
        cliActor,
      );
      assert.ok(created.ok);
      assert.ok((await signIn(app, 'alice@example.org', created.password)).ok);
      assert.ok((await app.identity.revokeAppPassword('alice@example.org', 'laptop', cliActor)).ok);
      clock.advanceMs(1000);
      const after = await signIn(app, 'alice@example.org', created.password);
      assert.equal(!after.ok && after.code, 'bad-credentials');
      const entry = (await app.identity.listSignIns({ login: 'alice@example.org', limit: 1 }))[0];
      assert.equal(entry?.reason, 'app-password-revoked');
    });

    test('an expired app password is refused', async () => {
      const created = await app.identity.createAppPassword(
        'alice@example.org',
        { name: 'tablet', scopes: ['imap'], expiresDays: 1 },
        cliActor,
      );
      assert.ok(created.ok);
      assert.ok((await signIn(app, 'alice@example.org', created.password)).ok);
      clock.advanceMs(86_400_000 + 1);
      const later = await signIn(app, 'alice@example.org', created.password);
      assert.equal(!later.ok && later.code, 'bad-credentials');
    });

    test('the account password on a mail protocol needs the org to allow it, and never works for an MFA user', async () => {
      const byDefault = await signIn(app, 'alice@example.org', PASSWORD, 'smtp');
      assert.equal(!byDefault.ok && byDefault.code, 'app-password-required');
      await setOrg(app, { 'mailSignIn.accountPassword': 'allowed' });
      assert.ok((await signIn(app, 'alice@example.org', PASSWORD, 'smtp')).ok);
      const mfa = await signIn(app, 'mfa@example.org', PASSWORD, 'imap');
      assert.equal(!mfa.ok && mfa.code, 'app-password-required');
      assert.ok(
        (await signIn(app, 'mfa@example.org', PASSWORD, 'web')).ok,
        'the web takes it (then asks for MFA)',
      );
      await setOrg(app, { 'mailSignIn.accountPassword': 'blocked' });
      const created = await app.identity.createAppPassword(
        'alice@example.org',
        { name: 'blocked-test', scopes: ['imap'] },
        cliActor,
      );
      assert.ok(created.ok);
      const blocked = await signIn(app, 'alice@example.org', created.password, 'imap');
      assert.equal(!blocked.ok && blocked.code, 'mail-sign-in-blocked');
      await setOrg(app, { 'mailSignIn.accountPassword': 'app-passwords-only' });
    });

    test('a second-factor step the web decides is logged and audited like any sign-in', async () => {
      const user = await app.directory.findUser('mfa@example.org');
      clock.advanceMs(1000);
      const id = await app.identity.recordSignInStep({
        userId: user!.id,
        protocol: 'web',
        clientIp: HOME_IP,
        clientInfo: 'Firefox',
        result: 'failure',
        reason: 'wrong-or-used-code',
        credential: 'totp',
      });
      const [entry] = await app.identity.listSignIns({ login: 'mfa@example.org', limit: 1 });
      assert.equal(entry?.id, id);
      assert.equal(entry?.credential, 'totp');
      assert.equal(entry?.reason, 'wrong-or-used-code');
      assert.equal(entry?.country, 'GB');
      const { records } = await app.audit.search({
        mailbox: 'mfa@example.org',
        operations: ['MailboxLogin'],
      });
      assert.equal(records[0]?.details?.['credential'], 'totp');
    });

    test('a wrong password says only that, whatever the account state', async () => {
      const wrong = await signIn(app, 'mfa@example.org', 'not-the-password-1', 'imap');
      assert.equal(!wrong.ok && wrong.code, 'bad-credentials');
      const unknown = await signIn(app, 'nobody@example.org', 'not-the-password-1', 'imap');
      assert.equal(!unknown.ok && unknown.code, 'bad-credentials');
    });
  });
}
