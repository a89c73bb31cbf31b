import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Logger } from '../../src/runtime/logger.js';
import { type ApiHarness, createApiHarness, type Json, PASSWORD } from './api-harness.js';

describe('request validation and error answers', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness();
    assert.equal((await api.call('POST', '/api/v1/domains', { json: { name: 'example.com' } })).status, 201);
    const user = await api.call('POST', '/api/v1/users', {
      json: { address: 'a@example.com', password: PASSWORD },
    });
    assert.equal(user.status, 201);
  });
  after(() => api.cleanup());

  test('refuses a body that is not JSON with 400 saying so', async () => {
    const response = await api.call('POST', '/api/v1/domains', {
      rawBody: '{"name": "example.org",',
      rawContentType: 'application/json',
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'invalid-body');
    assert.match(response.body.error.message, /not valid JSON/);
  });

  test('refuses an empty body with 400 saying it is empty', async () => {
    const response = await api.call('POST', '/api/v1/domains', {
      rawBody: '',
      rawContentType: 'application/json',
    });
    assert.equal(response.status, 400);
    assert.match(response.body.error.message, /empty/);
  });

  test('refuses fields of the wrong type with 400 naming each field', async () => {
    const response = await api.call('PATCH', '/api/v1/users/a@example.com', {
      json: { displayName: 5, role: 'root', disabled: 'yes' },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'invalid-body');
    const paths = response.body.error.issues.map((issue: Json) => issue.path).sort();
    assert.deepEqual(paths, ['disabled', 'displayName', 'role']);
    for (const field of ['displayName', 'role', 'disabled'])
      assert.match(response.body.error.message, new RegExp(field));
  });

  test('refuses a missing required field with 400 naming it', async () => {
    const response = await api.call('POST', '/api/v1/users', { json: { address: 'b@example.com' } });
    assert.equal(response.status, 400);
    assert.deepEqual(
      response.body.error.issues.map((issue: Json) => issue.path),
      ['password'],
    );
  });

  test('refuses unknown fields with 400 naming them', async () => {
    const response = await api.call('PATCH', '/api/v1/users/a@example.com', { json: { disable: true } });
    assert.equal(response.status, 400);
    assert.match(response.body.error.message, /"disable"/);
  });

  test('refuses a body that is JSON but not an object', async () => {
    const response = await api.call('POST', '/api/v1/domains', { json: ['example.org'] });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'invalid-body');
  });

  test('refuses a PATCH that changes nothing', async () => {
    const response = await api.call('PATCH', '/api/v1/users/a@example.com', { json: {} });
    assert.equal(response.status, 400);
    assert.match(response.body.error.message, /at least one of displayName, role, disabled/);
  });

  test('refuses a form-encoded or plain-text body with 415', async () => {
    for (const rawContentType of ['application/x-www-form-urlencoded', 'text/plain;charset=UTF-8']) {
      const response = await api.call('POST', '/api/v1/domains', {
        rawBody: '{"name":"example.org"}',
        rawContentType,
      });
      assert.equal(response.status, 415, rawContentType);
      assert.equal(response.body.error.code, 'unsupported-media-type');
    }
  });

  test('reads a body without a Content-Type as JSON', async () => {
    const response = await api.call('POST', '/api/v1/domains', { rawBody: '{"name":"plain.example"}' });
    assert.equal(response.status, 201);
  });

  test('refuses a body over one mebibyte with 413', async () => {
    const response = await api.call('POST', '/api/v1/domains', {
      json: { name: 'x'.repeat(1024 * 1024) },
    });
    assert.equal(response.status, 413);
    assert.equal(response.body.error.code, 'payload-too-large');
  });

  test('refuses bad query parameters with 400 naming them', async () => {
    const cases: Array<[string, string]> = [
      ['/api/v1/users?limit=abc', 'limit'],
      ['/api/v1/users?limit=0', 'limit'],
      ['/api/v1/audit?since=yesterday', 'since'],
      ['/api/v1/audit?operation=AddUser,Bogus', 'operation'],
      ['/api/v1/audit?result=maybe', 'result'],
      ['/api/v1/audit?cursor=-4', 'cursor'],
    ];
    for (const [path, field] of cases) {
      const response = await api.call('GET', path);
      assert.equal(response.status, 400, path);
      assert.equal(response.body.error.code, 'invalid-query');
      assert.equal(response.body.error.issues[0].path, field, path);
      assert.match(response.body.error.message, new RegExp(`^invalid query: ${field}: `), path);
    }
  });

  test('answers an unknown route with a 404 JSON error', async () => {
    for (const path of ['/nowhere', '/api/v1/nowhere', '/api/v2/domains']) {
      const response = await api.call('GET', path);
      assert.equal(response.status, 404, path);
      assert.equal(response.body.error.code, 'not-found');
    }
  });

  test('gives every answer a request id and keeps a well-formed one from the client', async () => {
    const generated = await api.call('GET', '/api/v1/domains');
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const kept = await api.call('GET', '/api/v1/domains', { headers: { 'x-request-id': 'trace-123' } });
    assert.equal(kept.headers.get('x-request-id'), 'trace-123');
    const replaced = await api.call('GET', '/nowhere', { headers: { 'x-request-id': 'bad id <script>' } });
    assert.notEqual(replaced.headers.get('x-request-id'), 'bad id <script>');
  });

  test('keeps API answers out of caches', async () => {
    const response = await api.call('GET', '/api/v1/users');
    assert.equal(response.headers.get('cache-control'), 'no-store');
  });
});

describe('answers to unexpected failures', () => {
  const logged: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (message, fields) => logged.push({ message, fields }),
    child: () => logger,
  };
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite', {
      wrap: (app) => ({
        ...app,
        logger,
        directory: {
          ...app.directory,
          listDomains: async () => {
            throw new Error('disk I/O error at /var/lib/mailwarden/secret.sqlite');
          },
        },
      }),
    });
  });
  after(() => api.cleanup());

  test('answers a thrown error with 500 and a request id, logs it, and shows no internals', async () => {
    const response = await api.call('GET', '/api/v1/domains');
    assert.equal(response.status, 500);
    const requestId = response.headers.get('x-request-id');
    assert.deepEqual(response.body, {
      error: { code: 'internal-error', message: 'internal error', requestId },
    });
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.fields?.['requestId'], requestId);
    const error = logged[0]?.fields?.['error'];
    assert.ok(error instanceof Error);
    assert.match(error.message, /disk I\/O error/);
  });
});
