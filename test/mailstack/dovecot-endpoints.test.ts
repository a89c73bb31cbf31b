import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiHarness, createApiHarness } from '../api/api-harness.js';
import { sendUntilRestricted } from '../api/sending.js';
import { addUser, cliActor, storeKinds } from '../support/test-app.js';

const SECRET = 'endpoint-test-secret-0123456789';
const PASSWORD = 'lantern-orchard-piano';

for (const kind of storeKinds) {
  describe(`Dovecot endpoints: authenticated and safe against garbage (${kind})`, () => {
    let api: ApiHarness;
    let appPassword = '';
    const post = async (path: string, body: string, headers: Record<string, string> = {}) =>
      await api.http.request(path, {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}`, ...headers },
        body,
      });
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

    before(async () => {
      api = await createApiHarness(kind, { overrides: { 'dovecot.authSecret': SECRET } });
      await addUser(api.app, 'alice@example.org', PASSWORD);
      const created = await api.app.identity.createAppPassword(
        'alice@example.org',
        { name: 'mail', scopes: ['imap', 'pop3', 'sieve', 'smtp'] },
        cliActor,
      );
      assert.ok(created.ok);
      appPassword = created.password;
    });
    after(() => api.cleanup());

    test('no secret, a wrong secret or an API token is 401 and decides nothing', async () => {
      const body = form({
        user: 'alice@example.org',
        mode: 'verify',
        password: appPassword,
        service: 'imap',
      });
      for (const headers of [
        { authorization: '' },
        { authorization: 'Bearer wrong-secret-0123456789abcd' },
        { authorization: `Bearer ${api.adminToken}` },
        { authorization: `Basic ${Buffer.from(`x:${SECRET}`).toString('base64')}` },
      ]) {
        const response = await post('/dovecot/passdb', body, headers);
        assert.equal(response.status, 401);
      }
      assert.equal((await api.app.identity.listSignIns({})).length, 0);
    });

    test('passdb: 200 for a right app password, 403 with the reason otherwise, for every Dovecot service name', async () => {
      for (const service of ['imap', 'pop3', 'sieve', 'smtp', 'submission']) {
        const ok = await post(
          '/dovecot/passdb',
          form({
            user: 'alice@example.org',
            mode: 'verify',
            password: appPassword,
            service,
            rip: '81.2.69.142',
          }),
        );
        assert.equal(ok.status, 200, service);
      }
      const wrong = await post(
        '/dovecot/passdb',
        form({ user: 'alice@example.org', mode: 'verify', password: 'nope-nope-nope', service: 'imap' }),
      );
      assert.equal(wrong.status, 403);
      assert.equal(await wrong.text(), 'bad-credentials');
      const account = await post(
        '/dovecot/passdb',
        form({ user: 'alice@example.org', mode: 'verify', password: PASSWORD, service: 'imap' }),
      );
      // For the IMAP client a second line: the reason Dovecot shows it (a nologin reason in the Lua passdb).
      assert.equal(
        await account.text(),
        'app-password-required\nApplication-specific password required: sign in with an app password',
      );
      // Postfix's SASL ignores nologin, so SMTP never gets the line that the Lua passdb turns into one.
      const smtpAccount = await post(
        '/dovecot/passdb',
        form({ user: 'alice@example.org', mode: 'verify', password: PASSWORD, service: 'smtp' }),
      );
      assert.equal(await smtpAccount.text(), 'app-password-required');
      const exists = await post(
        '/dovecot/passdb',
        form({ user: 'alice@example.org', mode: 'exists', service: 'imap' }),
      );
      assert.equal(exists.status, 200);
      const ghost = await post(
        '/dovecot/passdb',
        form({ user: 'ghost@example.org', mode: 'exists', service: 'imap' }),
      );
      assert.equal(ghost.status, 403);
    });

    test('garbage gets a 4xx, never a 5xx or a stack trace', async () => {
      const cases: Array<[string, string, Record<string, string>?]> = [
        ['/dovecot/passdb', ''],
        ['/dovecot/passdb', '%%%&&&===\u0000\u00ff'],
        ['/dovecot/passdb', form({ user: 'alice@example.org', mode: 'delete', service: 'imap' })],
        [
          '/dovecot/passdb',
          form({ user: 'x'.repeat(5000), mode: 'verify', password: 'y', service: 'imap', rip: 'not-an-ip' }),
        ],
        [
          '/dovecot/passdb',
          form({ user: 'alice@example.org', mode: 'verify', password: 'y', service: 'ftp' }),
        ],
        ['/dovecot/policy?command=allow', '{not json'],
        ['/dovecot/policy?command=allow', '[1,2,3]'],
        ['/dovecot/policy?command=explode', '{}'],
      ];
      for (const [path, body] of cases) {
        const response = await post(path, body);
        assert.ok(
          response.status >= 200 && response.status < 500,
          `${path} ${body.slice(0, 40)} → ${response.status}`,
        );
        assert.ok(!(await response.text()).includes(' at '), 'no stack trace');
      }
    });

    test('malformed input is refused, never allowed: the policy answers status -1, the passdb 400', async () => {
      for (const body of [
        { login: [1], remote: {} },
        { login: 42, remote: { a: 1 }, protocol: null },
        { login: 'alice@example.org', remote: ['198.51.100.7'] },
        { login: 'alice@example.org', tls: 'no' },
        { login: `alice@example.org${' '.repeat(2000)}` },
        [1, 2, 3],
        null,
      ]) {
        const response = await post('/dovecot/policy?command=allow', JSON.stringify(body));
        assert.equal(response.status, 200, JSON.stringify(body));
        assert.deepEqual(await response.json(), { status: -1, msg: 'malformed policy request' });
      }
      const notJson = await post('/dovecot/policy?command=allow', '{not json');
      assert.deepEqual(await notJson.json(), { status: -1, msg: 'malformed policy request' });
      const unknownCommand = await post('/dovecot/policy?command=explode', '{}');
      assert.equal(unknownCommand.status, 400);
      assert.equal(((await unknownCommand.json()) as { status: number }).status, -1);
      // Attributes an operator adds (nested with a/b=%{x}) are not Dovecot's to type: they pass.
      const extra = await post(
        '/dovecot/policy?command=allow',
        JSON.stringify({ login: 'alice@example.org', remote: '198.51.100.9', geo: { country: 'DE' } }),
      );
      assert.deepEqual(await extra.json(), { status: 0, msg: '' });

      const signInsBefore = (await api.app.identity.listSignIns({})).length;
      for (const body of [
        `${form({ user: 'alice@example.org', service: 'imap', password: appPassword })}&user=bob@example.org`,
        form({ user: `alice@example.org${' '.repeat(2000)}`, password: appPassword, service: 'imap' }),
        form({
          user: 'alice@example.org',
          mode: 'verify',
          password: appPassword,
          service: 'imap',
          rip: 'x'.repeat(2000),
        }),
      ]) {
        const response = await post('/dovecot/passdb', body);
        assert.equal(response.status, 400, body.slice(0, 80));
      }
      assert.equal((await api.app.identity.listSignIns({})).length, signInsBefore, 'nothing was signed in');
    });

    test('an account restricted from sending still signs in to read mail (auth policy status 0, app password good for IMAP and POP3); a disabled one stays refused', async () => {
      const allow = (login: string) =>
        post(
          '/dovecot/policy?command=allow',
          JSON.stringify({ login, remote: '81.2.69.142', protocol: 'imap', pwhash: 'ab12', tls: false }),
          { 'content-type': 'application/json' },
        ).then((response) => response.json() as Promise<{ status: number; msg: string }>);
      const passdb = (login: string, password: string, service: string) =>
        post('/dovecot/passdb', form({ user: login, mode: 'verify', password, service, rip: '81.2.69.142' }));
      const newAppPassword = async (login: string) => {
        await addUser(api.app, login, PASSWORD);
        const created = await api.app.identity.createAppPassword(
          login,
          { name: 'mail', scopes: ['imap', 'pop3', 'smtp'] },
          cliActor,
        );
        assert.ok(created.ok);
        return created.password;
      };
      const ritaPassword = await newAppPassword('rita@example.org');
      const policy = await api.app.outbound.setPolicy(
        'tight',
        { settings: { externalPerHour: 2 }, scope: { users: ['rita@example.org'] } },
        cliActor,
      );
      assert.ok(policy.ok);
      await sendUntilRestricted(api.app, 'rita@example.org');
      const rita = (await api.app.directory.findUser('rita@example.org'))!;
      assert.equal(await api.app.outbound.isRestricted(rita.id), true);
      assert.deepEqual(await allow('rita@example.org'), { status: 0, msg: '' });
      for (const service of ['imap', 'pop3']) {
        const response = await passdb('rita@example.org', ritaPassword, service);
        assert.equal(response.status, 200, service);
      }
      const entries = await api.app.identity.listSignIns({ login: 'rita@example.org' });
      assert.ok(entries.length >= 2);
      assert.ok(
        entries.every((entry) => entry.result === 'success'),
        'a restricted account’s sign-ins are successes',
      );

      const davePassword = await newAppPassword('dave@example.org');
      assert.ok((await api.app.directory.setDisabled('dave@example.org', true, cliActor)).ok);
      const refused = await passdb('dave@example.org', davePassword, 'imap');
      assert.equal(refused.status, 403);
      assert.equal(await refused.text(), 'account-disabled');
    });

    test('policy: allow answers status 0, a locked-out source gets status -1 with the message; report is acknowledged', async () => {
      const allow = (remote: string) =>
        post(
          '/dovecot/policy?command=allow',
          JSON.stringify({
            login: 'alice@example.org',
            remote,
            protocol: 'imap',
            pwhash: 'ab12',
            tls: false,
          }),
          { 'content-type': 'application/json' },
        ).then((response) => response.json() as Promise<{ status: number; msg: string }>);
      assert.deepEqual(await allow('198.51.100.7'), { status: 0, msg: '' });
      for (let i = 0; i < 10; i++)
        await api.app.identity.signIn({
          login: 'alice@example.org',
          secret: `wrong-${i}-password`,
          protocol: 'imap',
          clientIp: '198.51.100.7',
        });
      const denied = await allow('198.51.100.7');
      assert.equal(denied.status, -1);
      assert.equal(denied.msg, 'Too many failed sign-ins from your network, try again later');
      assert.deepEqual(await allow('81.2.69.142'), { status: 0, msg: '' }, 'a familiar network stays open');
      const [entry] = await api.app.identity.listSignIns({ login: 'alice@example.org', limit: 1 });
      assert.equal(entry?.reason, 'locked-out');
      const report = await post(
        '/dovecot/policy?command=report',
        JSON.stringify({ login: 'alice@example.org', success: true }),
      );
      assert.equal(report.status, 200);
    });
  });
}

describe('Dovecot endpoints without dovecot.authSecret', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
  });
  after(() => api.cleanup());

  test('answer 503 (not configured), so the Lua passdb reports a temporary failure, never a mismatch', async () => {
    const response = await api.http.request('/dovecot/passdb', { method: 'POST', body: 'user=a&password=b' });
    assert.equal(response.status, 503);
  });
});
