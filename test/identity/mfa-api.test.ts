import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiHarness, createApiHarness } from '../api/api-harness.js';
import { addUser, storeKinds } from '../support/test-app.js';

for (const kind of storeKinds) {
  describe(`/api/v1/users/{address}/mfa (${kind})`, () => {
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind);
      await addUser(api.app, 'ivy@example.org');
    });
    after(() => api.cleanup());

    test('an admin token shows, enforces and resets MFA; an auditor token only reads', async () => {
      const shown = await api.call('GET', '/api/v1/users/ivy@example.org/mfa', { token: api.auditorToken });
      assert.equal(shown.status, 200);
      assert.equal(shown.body.mfa.state, 'disabled');
      const refused = await api.call('POST', '/api/v1/users/ivy@example.org/mfa/enforce', {
        token: api.auditorToken,
      });
      assert.equal(refused.status, 403);
      const enforced = await api.call('POST', '/api/v1/users/ivy@example.org/mfa/enforce');
      assert.equal(enforced.status, 200);
      assert.equal(enforced.body.mfa.requiredBy, 'admin-enforced');
      const reset = await api.call('POST', '/api/v1/users/ivy@example.org/mfa/reset');
      assert.equal(reset.body.mfa.state, 'disabled');
      const missing = await api.call('GET', '/api/v1/users/nobody@example.org/mfa');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'user-not-found');
      await api.app.audit.flush();
      const page = await api.app.audit.search({
        mailbox: 'ivy@example.org',
        operations: ['EnforceMfa', 'ResetMfa'],
      });
      assert.equal(page.records.length, 2);
      assert.ok(page.records.every((record) => record.actor === 'token:ops-admin'));
    });
  });
}
