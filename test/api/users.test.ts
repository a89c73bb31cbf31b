import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storeKinds } from '../support/test-app.js';
import { ADMIN_TOKEN_NAME, type ApiHarness, createApiHarness, PASSWORD } from './api-harness.js';

const NEW_PASSWORD = 'a brand new passphrase 42';

for (const kind of storeKinds) {
  describe(`users and domains over the API (${kind})`, () => {
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind);
    });
    after(() => api.cleanup());

    test('creates a domain, a user and an alias, changes the password, and audits each as the token', async () => {
      const domain = await api.call('POST', '/api/v1/domains', { json: { name: 'Example.COM' } });
      assert.equal(domain.status, 201);
      assert.equal(domain.body.domain.name, 'example.com');
      assert.deepEqual(
        (await api.call('GET', '/api/v1/domains')).body.domains.map((d: { name: string }) => d.name),
        ['example.com'],
      );

      const created = await api.call('POST', '/api/v1/users', {
        json: { address: 'Alice@example.com', password: PASSWORD, displayName: 'Alice', role: 'admin' },
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.user.address, 'alice@example.com');
      assert.equal(created.body.user.role, 'admin');
      assert.equal('passwordHash' in created.body.user, false);

      const alias = await api.call('POST', '/api/v1/users/alice@example.com/aliases', {
        json: { alias: 'postmaster@example.com' },
      });
      assert.equal(alias.status, 201);
      assert.deepEqual(alias.body.user.aliases, ['postmaster@example.com']);

      const byAlias = await api.call('GET', '/api/v1/users/postmaster%40example.com');
      assert.equal(byAlias.status, 200);
      assert.equal(byAlias.body.user.address, 'alice@example.com');

      const password = await api.call('PUT', '/api/v1/users/alice@example.com/password', {
        json: { password: NEW_PASSWORD },
      });
      assert.equal(password.status, 200);
      const signIn = (secret: string) =>
        api.app.identity.signIn({ login: 'alice@example.com', secret, protocol: 'web', clientIp: null });
      assert.equal((await signIn(NEW_PASSWORD)).ok, true);
      assert.equal((await signIn(PASSWORD)).ok, false);

      const patched = await api.call('PATCH', '/api/v1/users/alice@example.com', {
        json: { displayName: 'Alice Liddell', role: 'user', disabled: true },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.user.displayName, 'Alice Liddell');
      assert.equal(patched.body.user.role, 'user');
      assert.equal(patched.body.user.disabled, true);
      const enabled = await api.call('PATCH', '/api/v1/users/alice@example.com', {
        json: { disabled: false },
      });
      assert.equal(enabled.body.user.disabled, false);

      const { records } = await api.app.audit.search({ actor: `token:${ADMIN_TOKEN_NAME}` });
      assert.deepEqual(records.map((record) => record.operation).reverse(), [
        'AddDomain',
        'AddUser',
        'AddAlias',
        'SetPassword',
        'UpdateUser',
        'DisableUser',
        'EnableUser',
      ]);
    });

    test('lists users one page at a time', async () => {
      for (const name of ['bob', 'carol']) {
        const response = await api.call('POST', '/api/v1/users', {
          json: { address: `${name}@example.com`, password: PASSWORD },
        });
        assert.equal(response.status, 201);
      }
      const first = await api.call('GET', '/api/v1/users?limit=2');
      assert.deepEqual(
        first.body.users.map((user: { address: string }) => user.address),
        ['alice@example.com', 'bob@example.com'],
      );
      assert.equal(first.body.nextCursor, 'bob@example.com');
      const second = await api.call('GET', `/api/v1/users?limit=2&cursor=${first.body.nextCursor}`);
      assert.deepEqual(
        second.body.users.map((user: { address: string }) => user.address),
        ['carol@example.com'],
      );
      assert.equal(second.body.nextCursor, null);
    });

    test('refuses a second user with the same address with 409', async () => {
      const response = await api.call('POST', '/api/v1/users', {
        json: { address: 'BOB@example.com', password: PASSWORD },
      });
      assert.equal(response.status, 409);
      assert.equal(response.body.error.code, 'address-taken');
    });

    test('refuses an alias that another user already has with 409', async () => {
      const response = await api.call('POST', '/api/v1/users/bob@example.com/aliases', {
        json: { alias: 'postmaster@example.com' },
      });
      assert.equal(response.status, 409);
      assert.equal(response.body.error.code, 'address-taken');
    });

    test('refuses a domain the organization already owns with 409', async () => {
      const response = await api.call('POST', '/api/v1/domains', { json: { name: 'example.com' } });
      assert.equal(response.status, 409);
      assert.equal(response.body.error.code, 'domain-exists');
    });
  });
}

describe('refusals of the user API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness();
    assert.equal((await api.call('POST', '/api/v1/domains', { json: { name: 'example.com' } })).status, 201);
  });
  after(() => api.cleanup());

  test('refuses a malformed address with 422 invalid-address', async () => {
    for (const address of ['not-an-address', 'two@@example.com', '']) {
      const response = await api.call('POST', '/api/v1/users', { json: { address, password: PASSWORD } });
      assert.equal(response.status, 422, address);
      assert.equal(response.body.error.code, 'invalid-address');
      assert.match(response.body.error.message, /not a valid email address/);
    }
  });

  test('refuses an invalid domain name with 422 invalid-domain', async () => {
    const response = await api.call('POST', '/api/v1/domains', { json: { name: 'localhost' } });
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'invalid-domain');
  });

  test('refuses an address in a domain the organization does not own with 422', async () => {
    const response = await api.call('POST', '/api/v1/users', {
      json: { address: 'x@elsewhere.org', password: PASSWORD },
    });
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'domain-not-owned');
  });

  test('refuses a short password with 422 weak-password', async () => {
    const response = await api.call('POST', '/api/v1/users', {
      json: { address: 'w@example.com', password: 'short' },
    });
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'weak-password');
    assert.match(response.body.error.message, /12 characters/);
  });

  test('answers 404 user-not-found for a user that does not exist', async () => {
    const calls: Array<[string, string, unknown]> = [
      ['GET', '/api/v1/users/nobody@example.com', undefined],
      ['PATCH', '/api/v1/users/nobody@example.com', { displayName: 'Nobody' }],
      ['PATCH', '/api/v1/users/nobody@example.com', { disabled: true }],
      ['PUT', '/api/v1/users/nobody@example.com/password', { password: PASSWORD }],
      ['POST', '/api/v1/users/nobody@example.com/aliases', { alias: 'nobody2@example.com' }],
    ];
    for (const [method, path, json] of calls) {
      const response = await api.call(method, path, { json });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(response.body.error.code, 'user-not-found');
    }
  });
});
