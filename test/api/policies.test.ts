import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_POLICY_SETTINGS } from '../../src/outbound/index.js';
import { addUser, storeKinds } from '../support/test-app.js';
import {
  ADMIN_TOKEN_NAME,
  type ApiHarness,
  AUDITOR_TOKEN_NAME,
  createApiHarness,
  type Json,
} from './api-harness.js';

const namesOf = (body: Json): string[] => body.policies.map((policy: Json) => policy.name);

for (const kind of storeKinds) {
  describe(`sending policies over the API (${kind})`, () => {
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind);
      for (const name of ['alice', 'bob', 'carol']) await addUser(api.app, `${name}@example.com`);
    });
    after(() => api.cleanup());

    test('lists only the built-in default policy at first', async () => {
      const response = await api.call('GET', '/api/v1/policies', { token: api.auditorToken });
      assert.equal(response.status, 200);
      assert.deepEqual(namesOf(response.body), ['default']);
      const [policy] = response.body.policies;
      assert.equal(policy.version, 0);
      assert.equal(policy.updatedAt, null);
      assert.deepEqual(policy.settings, DEFAULT_POLICY_SETTINGS);
    });

    test('creates, changes, lists, shows and deletes policies, and audits each change as the token', async () => {
      const created = await api.call('PUT', '/api/v1/policies/Finance', {
        json: {
          groups: ['finance'],
          externalPerHour: 50,
          action: 'alert',
          spamWeights: { URL_SHORTENER: 3 },
        },
      });
      assert.equal(created.status, 200);
      assert.equal(created.body.policy.name, 'finance');
      assert.equal(created.body.policy.version, 1);
      assert.deepEqual(created.body.policy.scope, { users: [], groups: ['finance'], domains: [] });
      assert.deepEqual(created.body.policy.settings, {
        ...DEFAULT_POLICY_SETTINGS,
        externalPerHour: 50,
        action: 'alert',
        spamWeights: { URL_SHORTENER: 3 },
      });

      // Fields left out keep their values; the version goes up.
      const changed = await api.call('PUT', '/api/v1/policies/finance', { json: { perDay: 200 } });
      assert.equal(changed.status, 200);
      assert.equal(changed.body.policy.version, 2);
      assert.equal(changed.body.policy.settings.perDay, 200);
      assert.equal(changed.body.policy.settings.externalPerHour, 50);
      assert.deepEqual(changed.body.policy.scope.groups, ['finance']);

      const execs = await api.call('PUT', '/api/v1/policies/execs', {
        json: { users: ['Alice@example.com'], priority: 0, perMessage: 1000 },
      });
      assert.equal(execs.status, 200);
      assert.deepEqual(execs.body.policy.scope.users, ['alice@example.com']);

      const defaults = await api.call('PUT', '/api/v1/policies/default', { json: { perMinute: 10 } });
      assert.equal(defaults.status, 200);
      assert.equal(defaults.body.policy.version, 1);
      assert.equal(defaults.body.policy.settings.perMinute, 10);

      const listed = await api.call('GET', '/api/v1/policies', { token: api.auditorToken });
      assert.deepEqual(namesOf(listed.body), ['execs', 'finance', 'default']);

      const shown = await api.call('GET', '/api/v1/policies/finance', { token: api.auditorToken });
      assert.equal(shown.status, 200);
      assert.deepEqual(shown.body.policy, changed.body.policy);

      const deleted = await api.call('DELETE', '/api/v1/policies/execs');
      assert.equal(deleted.status, 204);
      assert.equal(deleted.body, null);
      assert.equal((await api.call('GET', '/api/v1/policies/execs')).status, 404);
      assert.deepEqual(namesOf((await api.call('GET', '/api/v1/policies')).body), ['finance', 'default']);

      const again = await api.call('DELETE', '/api/v1/policies/execs');
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'policy-not-found');

      const { records } = await api.app.audit.search({
        operations: ['SetSendingPolicy', 'DeleteSendingPolicy'],
      });
      assert.deepEqual(
        records.reverse().map((record) => [record.operation, record.details?.['name'], record.actor]),
        [
          ['SetSendingPolicy', 'finance', `token:${ADMIN_TOKEN_NAME}`],
          ['SetSendingPolicy', 'finance', `token:${ADMIN_TOKEN_NAME}`],
          ['SetSendingPolicy', 'execs', `token:${ADMIN_TOKEN_NAME}`],
          ['SetSendingPolicy', 'default', `token:${ADMIN_TOKEN_NAME}`],
          ['DeleteSendingPolicy', 'execs', `token:${ADMIN_TOKEN_NAME}`],
        ],
      );
      assert.equal(records[0]?.clientInfo, 'api');
    });

    test('shows the policy that applies to a user, through a group of theirs or else the default', async () => {
      assert.equal((await api.call('POST', '/api/v1/groups', { json: { name: 'finance' } })).status, 201);
      const member = await api.call('POST', '/api/v1/groups/finance/members', {
        json: { user: 'bob@example.com' },
      });
      assert.equal(member.status, 201);

      const bob = await api.call('GET', '/api/v1/users/bob@example.com/policy', { token: api.auditorToken });
      assert.equal(bob.status, 200);
      assert.equal(bob.body.policy.name, 'finance');
      const carol = await api.call('GET', '/api/v1/users/carol@example.com/policy');
      assert.equal(carol.body.policy.name, 'default');
      assert.equal(carol.body.policy.settings.perMinute, 10);

      const nobody = await api.call('GET', '/api/v1/users/nobody@example.com/policy');
      assert.equal(nobody.status, 404);
      assert.equal(nobody.body.error.code, 'user-not-found');
    });
  });
}

describe('refusals of the sending policy API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness();
    await addUser(api.app, 'alice@example.com');
    const created = await api.call('PUT', '/api/v1/policies/tight', {
      json: { users: ['alice@example.com'], externalPerHour: 20 },
    });
    assert.equal(created.status, 200);
  });
  after(() => api.cleanup());

  const tight = async (): Promise<Json> => (await api.call('GET', '/api/v1/policies/tight')).body.policy;

  test('refuses a value out of its range with 422 naming the field and the range', async () => {
    const response = await api.call('PUT', '/api/v1/policies/tight', { json: { perMessage: 5000 } });
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'invalid-policy');
    assert.match(response.body.error.message, /^perMessage: must be a whole number from 1 to 1000\b/);
    assert.equal((await tight()).version, 1);
  });

  test('names every value out of range in one answer', async () => {
    const response = await api.call('PUT', '/api/v1/policies/tight', {
      json: {
        perMessage: 0,
        earlyWarningPercent: 150,
        spamScore: 2.5,
        action: 'block',
        spamWeights: { URL_SHORTENER: 500 },
      },
    });
    assert.equal(response.status, 422);
    const message: string = response.body.error.message;
    assert.match(message, /perMessage: must be a whole number from 1 to 1000/);
    assert.match(message, /earlyWarningPercent: must be a whole number from 1 to 100\b/);
    assert.match(message, /spamScore: must be a whole number from 1 to 1000/);
    assert.match(message, /action: must be one of restrict, restrict-today, alert/);
    assert.match(message, /spamWeights\.URL_SHORTENER: must be a number from -100 to 100/);
  });

  test('refuses an out-of-range priority, a bad name and a policy that applies to nobody with 422', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/api/v1/policies/tight', { priority: -1 }, /priority: must be a whole number from 0 to 1000000/],
      ['/api/v1/policies/not%20valid!', { users: ['alice@example.com'] }, /policy name/],
      ['/api/v1/policies/empty', { perDay: 10 }, /applies to nobody/],
      ['/api/v1/policies/default', { users: ['alice@example.com'] }, /default policy applies to everyone/],
    ];
    for (const [path, json, message] of cases) {
      const response = await api.call('PUT', path, { json });
      assert.equal(response.status, 422, path);
      assert.equal(response.body.error.code, 'invalid-policy', path);
      assert.match(response.body.error.message, message, path);
    }
    assert.deepEqual(namesOf((await api.call('GET', '/api/v1/policies')).body), ['tight', 'default']);
  });

  test('refuses values of the wrong JSON type with 400 naming each field', async () => {
    const response = await api.call('PUT', '/api/v1/policies/tight', {
      json: {
        perMessage: '5',
        users: 'alice@example.com',
        action: 3,
        spamWeights: { URL_SHORTENER: 'high' },
        priority: null,
      },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'invalid-body');
    const paths = response.body.error.issues.map((issue: Json) => issue.path).sort();
    assert.deepEqual(paths, ['action', 'perMessage', 'priority', 'spamWeights.URL_SHORTENER', 'users']);
    assert.match(response.body.error.message, /perMessage: /);
  });

  test('refuses an unknown setting with 400 naming it', async () => {
    const response = await api.call('PUT', '/api/v1/policies/tight', { json: { perHour: 5 } });
    assert.equal(response.status, 400);
    assert.match(response.body.error.message, /"perHour"/);
  });

  test('refuses to delete the default policy with 422, and keeps it', async () => {
    const response = await api.call('DELETE', '/api/v1/policies/default');
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'invalid-policy');
    assert.match(response.body.error.message, /default policy cannot be deleted/);
    const shown = await api.call('GET', '/api/v1/policies/default');
    assert.equal(shown.status, 200);
    assert.equal(shown.body.policy.name, 'default');
  });

  test('answers 404 policy-not-found for a policy that does not exist', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/policies/nope'],
      ['DELETE', '/api/v1/policies/nope'],
    ] as const) {
      const response = await api.call(method, path);
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(response.body.error.code, 'policy-not-found');
    }
  });

  test('refuses changes from an auditor token with 403', async () => {
    const put = await api.call('PUT', '/api/v1/policies/tight', {
      token: api.auditorToken,
      json: { externalPerHour: 10_000 },
    });
    assert.equal(put.status, 403);
    assert.equal(put.body.error.code, 'forbidden');
    const deleted = await api.call('DELETE', '/api/v1/policies/tight', { token: api.auditorToken });
    assert.equal(deleted.status, 403);
    const policy = await tight();
    assert.equal(policy.version, 1);
    assert.equal(policy.settings.externalPerHour, 20);
    const audit = await api.app.audit.search({ actor: `token:${AUDITOR_TOKEN_NAME}` });
    assert.deepEqual(audit.records, []);
  });
});
