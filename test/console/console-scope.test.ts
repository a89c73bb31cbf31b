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

  test('without web.publicUrl only a loopback Host names the origin, so a rebound name is refused', async () => {
    /** A whole sign-in post as a browser sends it from a page served under `host`. */
    const signInFrom = async (host: string) => {
      const page = await api.http.request('/account/sign-in', { headers: { host } });
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      assert.ok(cookie && token);
      return api.http.request('/account/sign-in', {
        method: 'POST',
        headers: {
          host,
          origin: `http://${host}`,
          'sec-fetch-site': 'same-origin',
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ _csrf: token, login: 'nobody@example.org', password: 'x' }).toString(),
      });
    };
    // An attacker's name that resolves to 127.0.0.1: the browser sends it as Host and Origin alike.
    const rebound = await signInFrom('attacker.example:8025');
    assert.equal(rebound.status, 403);
    assert.match(await rebound.text(), /did not come from this site/);
    for (const host of ['localhost:8025', '127.0.0.1:8025', '[::1]:8025']) {
      const local = await signInFrom(host);
      assert.doesNotMatch(await local.text(), /did not come from this site/, host);
    }
  });
});
