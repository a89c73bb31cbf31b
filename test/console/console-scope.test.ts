import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiHarness, createApiHarness } from '../api/api-harness.js';

describe('the console on the shared HTTP app', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
  });
  after(() => api.cleanup());

  test('its cookies, CSRF checks and headers apply only under /account', async () => {
    const elsewhere = await api.http.request('/no-such-route', {
      method: 'POST',
      headers: { origin: 'http://evil.test' },
    });
    assert.equal(elsewhere.status, 404, 'not a CSRF refusal');
    assert.equal(elsewhere.headers.get('content-security-policy'), null);
    const health = await api.http.request('/healthz');
    assert.equal(health.headers.get('content-security-policy'), null);
    const page = await api.http.request('/account/sign-in', { headers: { host: 'localhost:8025' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(
      page.headers.get('set-cookie') ?? '',
      /__Host-mw_presession=.*HttpOnly.*Secure.*SameSite=Strict/i,
    );
    const forged = await api.http.request('/account/sign-in', {
      method: 'POST',
      headers: {
        host: 'localhost:8025',
        origin: 'http://evil.test',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'login=a%40example.org&password=x',
    });
    assert.equal(forged.status, 403);
    const slash = await api.http.request('/account/');
    assert.equal(slash.status, 301);
  });
});
