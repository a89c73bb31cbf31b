import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser } from '../support/test-app.js';
import { ADMIN_TOKEN_NAME, type ApiHarness, createApiHarness } from './api-harness.js';

describe('groups over the API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness();
    for (const name of ['alice', 'bob']) await addUser(api.app, `${name}@example.com`);
  });
  after(() => api.cleanup());

  test('creates a group, adds members, lists them, and audits each as the token', async () => {
    const created = await api.call('POST', '/api/v1/groups', { json: { name: 'Finance' } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, { group: { name: 'finance', members: [] } });

    const bob = await api.call('POST', '/api/v1/groups/finance/members', {
      json: { user: 'bob@example.com' },
    });
    assert.equal(bob.status, 201);
    assert.deepEqual(bob.body.group.members, ['bob@example.com']);
    const alice = await api.call('POST', '/api/v1/groups/finance/members', {
      json: { user: 'ALICE@example.com' },
    });
    assert.deepEqual(alice.body.group.members, ['alice@example.com', 'bob@example.com']);
    // Adding a member again changes nothing and writes no record.
    const again = await api.call('POST', '/api/v1/groups/finance/members', {
      json: { user: 'bob@example.com' },
    });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body.group.members, ['alice@example.com', 'bob@example.com']);

    assert.equal((await api.call('POST', '/api/v1/groups', { json: { name: 'sales' } })).status, 201);
    const listed = await api.call('GET', '/api/v1/groups', { token: api.auditorToken });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body, {
      groups: [
        { name: 'finance', members: ['alice@example.com', 'bob@example.com'] },
        { name: 'sales', members: [] },
      ],
    });

    const { records } = await api.app.audit.search({ actor: `token:${ADMIN_TOKEN_NAME}` });
    assert.deepEqual(
      records.reverse().map((record) => [record.operation, record.mailbox]),
      [
        ['AddGroup', null],
        ['AddGroupMember', 'bob@example.com'],
        ['AddGroupMember', 'alice@example.com'],
        ['AddGroup', null],
      ],
    );
  });

  test('refuses a group name that is taken with 409 and a malformed one with 422', async () => {
    const taken = await api.call('POST', '/api/v1/groups', { json: { name: 'FINANCE' } });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'group-exists');
    const malformed = await api.call('POST', '/api/v1/groups', { json: { name: 'not a name!' } });
    assert.equal(malformed.status, 422);
    assert.equal(malformed.body.error.code, 'invalid-name');
  });

  test('answers 404 for a group or a user that does not exist', async () => {
    const noGroup = await api.call('POST', '/api/v1/groups/nope/members', {
      json: { user: 'bob@example.com' },
    });
    assert.equal(noGroup.status, 404);
    assert.equal(noGroup.body.error.code, 'group-not-found');
    const noUser = await api.call('POST', '/api/v1/groups/finance/members', {
      json: { user: 'nobody@example.com' },
    });
    assert.equal(noUser.status, 404);
    assert.equal(noUser.body.error.code, 'user-not-found');
  });

  test('refuses a body without its field with 400 naming it', async () => {
    const group = await api.call('POST', '/api/v1/groups', { json: {} });
    assert.equal(group.status, 400);
    assert.deepEqual(
      group.body.error.issues.map((issue: { path: string }) => issue.path),
      ['name'],
    );
    const member = await api.call('POST', '/api/v1/groups/finance/members', { json: { address: 'x' } });
    assert.equal(member.status, 400);
    assert.match(member.body.error.message, /user/);
  });

  test('refuses changes from an auditor token with 403', async () => {
    const writes: Array<[string, unknown]> = [
      ['/api/v1/groups', { name: 'auditors' }],
      ['/api/v1/groups/sales/members', { user: 'alice@example.com' }],
    ];
    for (const [path, json] of writes) {
      const response = await api.call('POST', path, { token: api.auditorToken, json });
      assert.equal(response.status, 403, path);
    }
    const listed = await api.call('GET', '/api/v1/groups');
    assert.deepEqual(
      listed.body.groups.map((group: { name: string }) => group.name),
      ['finance', 'sales'],
    );
  });
});
