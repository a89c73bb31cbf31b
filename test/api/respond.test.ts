import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser, storeKinds } from '../support/test-app.js';
import { type ApiHarness, createApiHarness } from './api-harness.js';

for (const kind of storeKinds) {
  describe(`the secure-this-account playbook over the API, without a mail server (${kind})`, () => {
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind);
      await addUser(api.app, 'alice@example.com');
    });
    after(() => api.cleanup());

    test('an auditor token may read the rules but not run the playbook', async () => {
      const secure = await api.call('POST', '/api/v1/users/alice@example.com/secure', {
        token: api.auditorToken,
        json: {},
      });
      assert.equal(secure.status, 403);
      const rules = await api.call('GET', '/api/v1/users/alice@example.com/inbox-rules', {
        token: api.auditorToken,
      });
      // Allowed, and answered with what is missing: nothing can read rules without Dovecot's API.
      assert.equal(rules.status, 409);
      assert.equal(rules.body.error.code, 'mail-server-not-configured');
    });

    test('a malformed body is refused with the field named, and nothing is changed', async () => {
      const before = (await api.app.directory.findUser('alice@example.com'))!.passwordChangedAt;
      for (const json of [{ revokeAppPasswords: 'yes' }, { release: { force: true } }, { unknown: 1 }]) {
        const response = await api.call('POST', '/api/v1/users/alice@example.com/secure', { json });
        assert.equal(response.status, 400, JSON.stringify(json));
        assert.equal(response.body.error.code, 'invalid-body');
      }
      assert.equal((await api.app.directory.findUser('alice@example.com'))!.passwordChangedAt, before);
    });

    test('an unknown user is 404; a known one is secured, with the mail steps skipped and said why', async () => {
      const unknown = await api.call('POST', '/api/v1/users/nobody@example.com/secure', { json: {} });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'user-not-found');
      const secured = await api.call('POST', '/api/v1/users/alice@example.com/secure', {
        json: { release: { reason: 'phished' } },
      });
      assert.equal(secured.status, 200);
      assert.equal(secured.body.complete, true);
      assert.deepEqual(
        secured.body.steps.map((step: { step: string; status: string }) => [step.step, step.status]),
        [
          ['reset-password', 'done'],
          ['require-mfa', 'done'],
          ['revoke-api-tokens', 'unchanged'],
          ['disable-inbox-rules', 'skipped'],
          ['end-mail-sessions', 'skipped'],
          ['release', 'unchanged'],
        ],
      );
      const [record] = (await api.app.audit.search({ operations: ['SecureAccount'], limit: 1 })).records;
      assert.equal(record?.actor, 'token:ops-admin');
      assert.equal(record?.mailbox, 'alice@example.com');
      assert.ok(!JSON.stringify(record).includes(secured.body.temporaryPassword), 'no password in the log');
    });
  });
}
