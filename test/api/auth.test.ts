import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cliActor } from '../support/test-app.js';
import {
  ADMIN_TOKEN_NAME,
  type ApiHarness,
  AUDITOR_TOKEN_NAME,
  createApiHarness,
  createToken,
} from './api-harness.js';

describe('API authentication and roles', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness();
  });
  after(() => api.cleanup());

  test('refuses a request without a token with 401 and a Bearer challenge', async () => {
    const response = await api.call('GET', '/api/v1/domains', { token: null });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer\b/);
    assert.equal(response.body.error.code, 'unauthenticated');
  });

  test('refuses an unknown token with 401 and invalid_token', async () => {
    for (const token of ['mwt_not-a-real-token', 'garbage', '']) {
      const response = await api.call('GET', '/api/v1/domains', { token });
      assert.equal(response.status, 401, `token "${token}"`);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
    }
  });

  test('refuses a token sent with another scheme', async () => {
    const response = await api.call('GET', '/api/v1/domains', {
      token: null,
      headers: { authorization: `Basic ${api.adminToken}` },
    });
    assert.equal(response.status, 401);
  });

  test('accepts the scheme name in any case', async () => {
    const response = await api.call('GET', '/api/v1/domains', {
      token: null,
      headers: { authorization: `bearer ${api.adminToken}` },
    });
    assert.equal(response.status, 200);
  });

  test('refuses a revoked token', async () => {
    const token = await createToken(api.app, 'short-lived', 'admin');
    assert.equal((await api.call('GET', '/api/v1/domains', { token })).status, 200);
    const revoked = await api.app.directory.revokeApiToken('short-lived', cliActor);
    assert.ok(revoked.ok);
    assert.equal((await api.call('GET', '/api/v1/domains', { token })).status, 401);
  });

  test('refuses writes from an auditor token', async () => {
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/api/v1/domains', { name: 'auditor.example' }],
      ['POST', '/api/v1/users', { address: 'a@auditor.example', password: 'correct horse battery staple' }],
      ['PATCH', '/api/v1/users/a@auditor.example', { disabled: true }],
      ['PUT', '/api/v1/users/a@auditor.example/password', { password: 'correct horse battery staple' }],
      ['POST', '/api/v1/users/a@auditor.example/aliases', { alias: 'b@auditor.example' }],
    ];
    for (const [method, path, json] of writes) {
      const response = await api.call(method, path, { token: api.auditorToken, json });
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.equal(response.body.error.code, 'forbidden');
    }
    assert.deepEqual(await api.app.directory.listDomains(), []);
    const audit = await api.app.audit.search({ actor: `token:${AUDITOR_TOKEN_NAME}` });
    assert.deepEqual(audit.records, []);
  });

  test('lets an auditor token read domains, users and the audit log', async () => {
    for (const path of ['/api/v1/domains', '/api/v1/users', '/api/v1/audit', '/api/v1/audit/verify']) {
      const response = await api.call('GET', path, { token: api.auditorToken });
      assert.equal(response.status, 200, path);
    }
  });

  test('requires a token on every API route except the OpenAPI document', async () => {
    const apiRoutes = api.http.routes.filter(
      (route) =>
        route.method !== 'ALL' && route.path.startsWith('/api/v1/') && route.path !== '/api/v1/openapi.json',
    );
    assert.ok(new Set(apiRoutes.map((route) => `${route.method} ${route.path}`)).size >= 10);
    for (const route of apiRoutes) {
      const path = route.path.replace(/:\w+/g, 'someone@example.com');
      const json = route.method === 'GET' ? undefined : {};
      const response = await api.call(route.method, path, { token: null, json });
      assert.equal(response.status, 401, `${route.method} ${route.path}`);
    }
  });

  test('names the token as the actor of what it changes', async () => {
    const response = await api.call('POST', '/api/v1/domains', { json: { name: 'actor.example' } });
    assert.equal(response.status, 201);
    const { records } = await api.app.audit.search({ operations: ['AddDomain'] });
    assert.equal(records[0]?.actor, `token:${ADMIN_TOKEN_NAME}`);
    assert.equal(records[0]?.logonType, 'admin');
    assert.equal(records[0]?.clientInfo, 'api');
  });
});
