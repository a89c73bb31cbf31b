import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import type { SignInProtocol } from '../../src/identity/index.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { createGeoLookup } from '../../src/runtime/geoip.js';
import { addUser, cliActor, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const PASSWORD = 'lantern-orchard-piano';
/** Chosen addresses, located with the shipped DB-IP City Lite data. */
const LONDON = '81.2.69.142';
const LONDON_OTHER_NETWORK = '212.58.244.20';
const MOSCOW = '77.88.55.80';
const TOKYO = '133.242.0.1';
const SYDNEY = '1.1.1.1';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('offline GeoIP on the shipped data', () => {
  test('locates chosen addresses by country and city, and nothing for private ones', async () => {
    const geo = createGeoLookup();
    assert.equal((await geo.lookup(LONDON))?.country, 'GB');
    assert.equal((await geo.lookup(LONDON))?.city, 'London');
    assert.equal((await geo.lookup(MOSCOW))?.country, 'RU');
    assert.equal((await geo.lookup(TOKYO))?.country, 'JP');
    assert.equal((await geo.lookup(SYDNEY))?.country, 'AU');
    assert.equal((await geo.lookup('8.8.8.8'))?.country, 'US');
    assert.equal(typeof (await geo.lookup('8.8.8.8'))?.latitude, 'number');
    assert.equal(typeof (await geo.lookup('2001:4860:4860::8888'))?.country, 'string');
    assert.equal((await geo.lookup(`::ffff:${LONDON}`))?.country, 'GB');
    for (const none of ['127.0.0.1', '10.1.2.3', '192.168.1.1', 'not-an-ip', null])
      assert.equal(await geo.lookup(none), null);
  });
});

for (const kind of storeKinds) {
  describe(`smart lockout and sign-in risk (${kind})`, () => {
    let testApp: TestApp;
    let app: App;
    const clock = createManualClock(Date.parse('2026-11-02T09:00:00Z'));
    const appPasswords: Record<string, string> = {};
    const signIn = (user: string, secret: string, clientIp: string, protocol: SignInProtocol = 'web') => {
      clock.advanceMs(1000);
      return app.identity.signIn({ login: `${user}@example.org`, secret, protocol, clientIp });
    };
    const code = (outcome: Awaited<ReturnType<typeof signIn>>) => (outcome.ok ? 'ok' : outcome.code);

    before(async () => {
      testApp = await createTestApp(kind, { clock });
      app = testApp.app;
      for (const user of ['bob', 'carol', 'dan', 'erin', 'fay', 'gus']) {
        await addUser(app, `${user}@example.org`, PASSWORD);
        const created = await app.identity.createAppPassword(
          `${user}@example.org`,
          { name: 'mail', scopes: ['imap', 'smtp'] },
          cliActor,
        );
        assert.ok(created.ok);
        appPasswords[user] = created.password;
        // Each user's home network is London.
        assert.equal(code(await signIn(user, PASSWORD, LONDON)), 'ok');
      }
    });
    after(() => testApp.cleanup());

    test('ten wrong passwords lock that network out for 60 s, doubling on a repeat; a familiar network stays open', async () => {
      for (let i = 0; i < 10; i++)
        assert.equal(code(await signIn('bob', `wrong-password-${i}`, MOSCOW)), 'bad-credentials');
      const locked = await signIn('bob', PASSWORD, MOSCOW);
      assert.equal(code(locked), 'locked-out', 'even the right password is not checked');
      assert.ok(!locked.ok && locked.retryAfterSeconds !== undefined && locked.retryAfterSeconds <= 60);
      assert.equal(
        code(await signIn('bob', PASSWORD, LONDON)),
        'ok',
        'the real user is not locked out at home',
      );
      clock.advanceMs(60_000);
      for (let i = 0; i < 10; i++) await signIn('bob', `wrong-again-${i}`, MOSCOW);
      const second = await signIn('bob', PASSWORD, MOSCOW);
      assert.equal(code(second), 'locked-out');
      assert.ok(
        !second.ok && second.retryAfterSeconds! > 60 && second.retryAfterSeconds! <= 120,
        'twice as long',
      );
      const { records } = await app.audit.search({ operations: ['LockOut'], mailbox: 'bob@example.org' });
      assert.equal(records.length, 2);
      assert.equal(records[0]?.clientIp, MOSCOW);
    });

    test('the same wrong password retried counts once', async () => {
      for (let i = 0; i < 25; i++)
        await signIn('carol', 'old-password-on-the-phone', LONDON_OTHER_NETWORK, 'imap');
      for (let i = 0; i < 8; i++) await signIn('carol', `other-guess-${i}`, LONDON_OTHER_NETWORK, 'imap');
      // 9 distinct wrong passwords so far: not locked, and no brute force either.
      const ok = await signIn('carol', appPasswords['carol']!, LONDON_OTHER_NETWORK, 'imap');
      assert.equal(code(ok), 'ok');
      assert.deepEqual(ok.risk, { level: 'low', reasons: ['unfamiliar-network'] });
    });

    test('an attacker hopping between networks fills the account’s unfamiliar bucket; familiar networks stay open', async () => {
      for (let i = 0; i < 30; i++) await signIn('dan', `spray-${i}`, `203.0.${i}.7`);
      const elsewhere = await signIn('dan', PASSWORD, '198.18.0.1');
      assert.equal(code(elsewhere), 'locked-out');
      const home = await signIn('dan', appPasswords['dan']!, LONDON, 'imap');
      assert.equal(code(home), 'ok');
      assert.equal(
        home.risk.level,
        'none',
        'brute force and lockouts do not hold against a familiar network',
      );
      const unlocked = await app.identity.unlockUser('dan@example.org', cliActor);
      assert.ok(unlocked.ok && unlocked.unlockedSources.includes('*unfamiliar'));
    });

    test('a new country is medium risk: the account password is refused on mail, an app password and the web go through', async () => {
      await app.settings.change({ 'mailSignIn.accountPassword': 'allowed' }, cliActor);
      clock.advanceMs(48 * HOUR);
      const mail = await signIn('erin', PASSWORD, TOKYO, 'imap');
      assert.equal(code(mail), 'app-password-required');
      assert.deepEqual(mail.risk, { level: 'medium', reasons: ['new-country'] });
      const [entry] = await app.identity.listSignIns({ login: 'erin@example.org', limit: 1 });
      assert.equal(entry?.reason, 'medium-risk-account-password');
      assert.equal(entry?.country, 'JP');
      const device = await signIn('erin', appPasswords['erin']!, TOKYO, 'imap');
      assert.equal(code(device), 'ok');
      assert.equal(device.risk.level, 'medium');
      const web = await signIn('erin', PASSWORD, TOKYO, 'web');
      assert.ok(web.ok, 'the web asks for the second factor itself');
      assert.equal(web.risk.level, 'none', 'Tokyo is familiar now');
      clock.advanceMs(24 * HOUR);
      assert.equal(code(await signIn('erin', PASSWORD, LONDON_OTHER_NETWORK, 'imap')), 'ok');
      assert.deepEqual((await app.identity.listSignIns({ login: 'erin@example.org', limit: 1 }))[0]?.risk, {
        level: 'low',
        reasons: ['unfamiliar-network'],
      });
      await app.settings.change({ 'mailSignIn.accountPassword': 'app-passwords-only' }, cliActor);
    });

    test('impossible travel in a new country is high risk: refused even with an app password, and raises a Suspicious sign-in alert', async () => {
      clock.advanceMs(HOUR);
      assert.equal(code(await signIn('fay', appPasswords['fay']!, LONDON, 'imap')), 'ok');
      clock.advanceMs(HOUR);
      const sydney = await signIn('fay', appPasswords['fay']!, SYDNEY, 'imap');
      assert.equal(code(sydney), 'high-risk');
      assert.deepEqual(sydney.risk, { level: 'high', reasons: ['new-country', 'impossible-travel'] });
      const alerts = await app.alerts.list({ mailbox: 'fay@example.org' });
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]?.type, 'suspicious-sign-in');
      assert.equal(alerts[0]?.title, 'Suspicious sign-in');
      assert.deepEqual(alerts[0]?.evidence['reasons'], ['new-country', 'impossible-travel']);
      // A second risky attempt within the grouping window joins the same alert.
      await signIn('fay', PASSWORD, SYDNEY, 'web');
      const grouped = await app.alerts.list({ mailbox: 'fay@example.org' });
      assert.equal(grouped.length, 1);
      assert.equal(grouped[0]?.count, 2);
    });

    test('one source failing against many accounts is a password spray: its next sign-in is refused as high risk', async () => {
      const sprayer = '198.51.100.23';
      for (let i = 0; i < 10; i++)
        await app.identity.signIn({
          login: `victim${i}@example.org`,
          secret: 'Winter2026!',
          protocol: 'smtp',
          clientIp: sprayer,
        });
      const hit = await signIn('gus', appPasswords['gus']!, sprayer, 'imap');
      assert.equal(code(hit), 'high-risk');
      assert.ok(hit.risk.reasons.includes('password-spray'));
      assert.ok(
        (await app.alerts.list({ mailbox: 'gus@example.org' })).some(
          (alert) => alert.type === 'suspicious-sign-in',
        ),
      );
    });

    test('a sign-in right after a lockout is medium risk; with the risk policy off nothing is refused for risk', async () => {
      for (let i = 0; i < 10; i++) await signIn('carol', `guess-${i}`, MOSCOW, 'imap');
      clock.advanceMs(61_000);
      const after = await signIn('carol', appPasswords['carol']!, '212.58.245.20', 'imap');
      assert.equal(code(after), 'ok');
      assert.deepEqual(after.risk, { level: 'medium', reasons: ['unfamiliar-network', 'after-lockout'] });
      await app.settings.change({ 'risk.policyEnabled': false }, cliActor);
      const sprayer = '198.51.100.23';
      assert.equal(code(await signIn('gus', appPasswords['gus']!, sprayer, 'imap')), 'ok');
      await app.settings.change({ 'risk.policyEnabled': true }, cliActor);
    });

    test('sign-in log entries older than signIns.retentionDays are pruned', async () => {
      const before = (await app.identity.listSignIns({ limit: 1000 })).length;
      assert.ok(before > 0);
      await app.settings.change({ 'signIns.retentionDays': 1 }, cliActor);
      clock.advanceMs(25 * HOUR);
      await signIn('bob', PASSWORD, LONDON);
      const removed = await app.identity.pruneSignIns();
      assert.equal(removed, before);
      assert.equal((await app.identity.listSignIns({ limit: 1000 })).length, 1);
    });
  });
}
