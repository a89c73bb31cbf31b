import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { policyFields } from '../../src/outbound/index.js';
import { type ApiHarness, createApiHarness, type Json } from './api-harness.js';

describe('GET /api/v1/openapi.json', () => {
  let api: ApiHarness;
  let document: Json;
  before(async () => {
    api = await createApiHarness();
    const response = await api.call('GET', '/api/v1/openapi.json', { token: null });
    assert.equal(response.status, 200);
    document = response.body;
  });
  after(() => api.cleanup());

  test('is served without a token as an OpenAPI 3.1 document with the bearer scheme', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(document.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      description: document.components.securitySchemes.bearer.description,
    });
  });

  test('describes every route the app serves, and no other', () => {
    // Hono lists a route once per handler (its middleware included), hence the Set.
    const served = [
      ...new Set(
        api.http.routes
          // Not API operations: the self-service pages under /account and the admin pages under
          // /admin (HTML for browsers), and the Dovecot auth endpoints under /dovecot (Dovecot's own
          // protocols, deploy/dovecot/), the reference page /api/docs (this document as HTML), and `/`
          // and `/favicon.ico`, which only browsers ask for.
          .filter(
            (route) =>
              route.method !== 'ALL' &&
              route.path !== '/' &&
              route.path !== '/favicon.ico' &&
              !route.path.startsWith('/account') &&
              !route.path.startsWith('/admin') &&
              !route.path.startsWith('/dovecot') &&
              route.path !== '/api/docs',
          )
          .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
      ),
    ].sort();
    const described = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    assert.deepEqual(described, served);
    assert.ok(described.includes('patch /api/v1/users/{address}'));
  });

  test('asks for the bearer token on every API operation but the public ones', () => {
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const isPublic = ['/healthz', '/api/v1/openapi.json', '/metrics'].includes(path);
        assert.deepEqual(operation.security, isPublic ? [] : [{ bearer: [] }], `${method} ${path}`);
        if (!isPublic) assert.ok(operation.responses['401'], `${method} ${path} documents 401`);
        if (method !== 'get' && !isPublic)
          assert.ok(operation.responses['403'], `${method} ${path} documents 403`);
      }
    }
  });

  test('describes request bodies with the schemas the routes validate with', () => {
    const { NewUser, UserUpdate } = document.components.schemas;
    assert.deepEqual([...NewUser.required].sort(), ['address', 'password']);
    assert.equal(NewUser.additionalProperties, false);
    assert.deepEqual(UserUpdate.properties.role.enum, ['user', 'admin']);
    assert.equal(UserUpdate.properties.disabled.type, 'boolean');
    const createUser = document.paths['/api/v1/users'].post;
    assert.equal(
      createUser.requestBody.content['application/json'].schema.$ref,
      '#/components/schemas/NewUser',
    );
    assert.equal(
      createUser.responses['201'].content['application/json'].schema.$ref,
      '#/components/schemas/UserResponse',
    );
  });

  test('documents the query parameters of the audit search', () => {
    const names = document.paths['/api/v1/audit'].get.parameters
      .map((parameter: Json) => parameter.name)
      .sort();
    assert.deepEqual(names, [
      'actor',
      'clientIp',
      'cursor',
      'folder',
      'limit',
      'mailbox',
      'operation',
      'result',
      'since',
      'until',
    ]);
  });

  test("documents each policy setting's range from the module's table, which does the validating", () => {
    const { PolicyUpdate } = document.components.schemas;
    assert.equal(PolicyUpdate.additionalProperties, false);
    for (const [name, field] of Object.entries(policyFields)) {
      const property = PolicyUpdate.properties[name];
      assert.ok(property, name);
      if (field.kind === 'integer') {
        assert.deepEqual([property.minimum, property.maximum], [field.min, field.max], name);
        assert.match(property.description, new RegExp(`from ${field.min} to ${field.max}`), name);
      } else assert.deepEqual(property.enum, field.values, name);
    }
  });

  test('documents the answers of the policy, release and alert routes', () => {
    const remove = document.paths['/api/v1/policies/{name}'].delete;
    assert.deepEqual(remove.responses['204'], { description: 'The policy was deleted' });
    assert.deepEqual(
      remove.parameters.map((parameter: Json) => [parameter.name, parameter.in]),
      [['name', 'path']],
    );
    const release = document.paths['/api/v1/restricted/{address}/release'].post;
    assert.ok(release.responses['409']);
    assert.ok(document.components.schemas.Error.properties.error.properties.unmetChecks);
    const alerts = document.paths['/api/v1/alerts'].get;
    assert.deepEqual(alerts.parameters.map((parameter: Json) => parameter.name).sort(), [
      'limit',
      'mailbox',
      'status',
    ]);
    assert.equal(document.paths['/api/v1/alerts/{id}/resolve'].post.parameters[0].name, 'id');
  });

  test('documents the quarantine: the list filter, the header section, release and delete as POSTs', () => {
    const list = document.paths['/api/v1/quarantine'].get;
    const status = list.parameters.find((parameter: Json) => parameter.name === 'status');
    assert.deepEqual(status.schema.enum, ['held', 'released', 'deleted']);
    assert.equal(status.schema.default, 'held');
    assert.deepEqual(list.parameters.map((parameter: Json) => parameter.name).sort(), [
      'limit',
      'mailbox',
      'status',
    ]);
    const { QuarantinedMessageDetail, QuarantinedMessage } = document.components.schemas;
    assert.ok(QuarantinedMessageDetail.required.includes('headers'));
    assert.equal(QuarantinedMessage.properties.headers, undefined);
    assert.equal(QuarantinedMessage.properties.raw, undefined);
    const release = document.paths['/api/v1/quarantine/{id}/release'].post;
    assert.deepEqual(
      ['200', '403', '404', '409', '502'].filter((code) => release.responses[code]),
      ['200', '403', '404', '409', '502'],
    );
    assert.equal(
      release.responses['200'].content['application/json'].schema.$ref,
      '#/components/schemas/QuarantinedMessageResponse',
    );
    const remove = document.paths['/api/v1/quarantine/{id}/delete'].post;
    assert.match(remove.summary, /POST rather than DELETE/);
    assert.equal(document.paths['/api/v1/quarantine/{id}'].delete, undefined);
  });

  test('resolves every schema reference', () => {
    const references = JSON.stringify(document).match(/"#\/components\/[^"]+"/g) ?? [];
    for (const reference of new Set(references)) {
      const [, section, name] = JSON.parse(reference).split('/').slice(1);
      assert.ok(document.components[section][name], `${reference} resolves`);
    }
  });
});
