import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN_NAME, type ApiHarness, createApiHarness, type Json } from './api-harness.js';

describe('webhooks over the API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
  });
  after(() => api.cleanup());

  test('adds a webhook, shows its secret once, and never lists it', async () => {
    const added = await api.call('POST', '/api/v1/webhooks', {
      json: { name: 'pager', url: 'https://hooks.example.com/mailwarden?token=abc' },
    });
    assert.equal(added.status, 201);
    assert.equal(added.body.webhook.name, 'pager');
    assert.equal(added.body.webhook.active, true);
    assert.match(added.body.secret, /^whsec_/);
    assert.equal(added.body.webhook.secret, undefined);

    const listed = await api.call('GET', '/api/v1/webhooks', { token: api.auditorToken });
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.webhooks.map((webhook: Json) => webhook.name),
      ['pager'],
    );
    assert.deepEqual(listed.body.webhooks[0], added.body.webhook);
    assert.ok(!JSON.stringify(listed.body).includes(added.body.secret));

    const { records } = await api.app.audit.search({ operations: ['AddWebhook'] });
    assert.equal(records.length, 1);
    assert.equal(records[0]?.actor, `token:${ADMIN_TOKEN_NAME}`);
    assert.equal(records[0]?.details?.['name'], 'pager');
    assert.ok(!JSON.stringify(records[0]).includes(added.body.secret));

    const again = await api.call('POST', '/api/v1/webhooks', {
      json: { name: 'pager', url: 'https://other.example.com/' },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'webhook-name-taken');
  });

  test('refuses an invalid URL with 422 naming the field', async () => {
    const response = await api.call('POST', '/api/v1/webhooks', {
      json: { name: 'bad', url: 'ftp://files.example.com/' },
    });
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'invalid-url');
    assert.equal(response.body.error.issues[0].path, 'url');
    const missing = await api.call('POST', '/api/v1/webhooks', { json: { name: 'bad' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.issues[0].path, 'url');
  });

  test('refuses an internal URL with 422 saying why', async () => {
    for (const url of [
      'http://127.0.0.1:8025/',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      const response = await api.call('POST', '/api/v1/webhooks', { json: { name: 'inside', url } });
      assert.equal(response.status, 422, url);
      assert.equal(response.body.error.code, 'internal-url');
      assert.equal(response.body.error.issues[0].path, 'url');
      assert.match(response.body.error.message, /notify\.webhooks\.allowInternalHosts/);
    }
  });

  test('removes a webhook with 204, then answers 404', async () => {
    const added = await api.call('POST', '/api/v1/webhooks', {
      json: { name: 'temporary', url: 'http://hooks.example.com:9/hook' },
    });
    assert.equal(added.status, 201);
    const removed = await api.call('DELETE', '/api/v1/webhooks/temporary');
    assert.equal(removed.status, 204);
    assert.equal(removed.body, null);
    const listed = await api.call('GET', '/api/v1/webhooks');
    assert.ok(!listed.body.webhooks.some((webhook: Json) => webhook.name === 'temporary'));
    const again = await api.call('DELETE', '/api/v1/webhooks/temporary');
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'webhook-not-found');
  });

  test('lists deliveries and checks the limit', async () => {
    const response = await api.call('GET', '/api/v1/webhooks/deliveries?limit=10', {
      token: api.auditorToken,
    });
    assert.equal(response.status, 200);
    assert.ok(Array.isArray(response.body.deliveries));
    const bad = await api.call('GET', '/api/v1/webhooks/deliveries?limit=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.issues[0].path, 'limit');
  });

  test('refuses changes from an auditor token with 403', async () => {
    const added = await api.call('POST', '/api/v1/webhooks', {
      token: api.auditorToken,
      json: { name: 'sneaky', url: 'https://hooks.example.com/' },
    });
    assert.equal(added.status, 403);
    const removed = await api.call('DELETE', '/api/v1/webhooks/pager', { token: api.auditorToken });
    assert.equal(removed.status, 403);
    const names = (await api.app.notifier.listWebhooks()).map((webhook) => webhook.name);
    assert.deepEqual(names, ['pager']);
  });
});
