import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../../src/runtime/clock.js';
import { ADMIN_TOKEN_NAME, type ApiHarness, createApiHarness, type Json, PASSWORD } from './api-harness.js';

const START = Date.parse('2026-03-01T08:00:00Z');
const HOUR = 3_600_000;

describe('audit search and verification over the API', () => {
  const clock = createManualClock(START);
  let api: ApiHarness;
  const operationsOf = (body: Json): string[] => body.records.map((record: Json) => record.operation);

  before(async () => {
    api = await createApiHarness('sqlite', { clock });
    // 08:00 the domain, 09:00 alice, 10:00 bob, 11:00 alice's alias
    assert.equal((await api.call('POST', '/api/v1/domains', { json: { name: 'example.com' } })).status, 201);
    for (const name of ['alice', 'bob']) {
      clock.advanceMs(HOUR);
      const response = await api.call('POST', '/api/v1/users', {
        json: { address: `${name}@example.com`, password: PASSWORD },
      });
      assert.equal(response.status, 201);
    }
    clock.advanceMs(HOUR);
    const alias = await api.call('POST', '/api/v1/users/alice@example.com/aliases', {
      json: { alias: 'al@example.com' },
    });
    assert.equal(alias.status, 201);
  });
  after(() => api.cleanup());

  test('finds the AddUser records that API calls wrote, with the token as actor', async () => {
    const response = await api.call(
      'GET',
      `/api/v1/audit?operation=AddUser&actor=token:${ADMIN_TOKEN_NAME}`,
      {
        token: api.auditorToken,
      },
    );
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.records.map((record: Json) => [
        record.operation,
        record.mailbox,
        record.actor,
        record.clientInfo,
      ]),
      [
        ['AddUser', 'bob@example.com', `token:${ADMIN_TOKEN_NAME}`, 'api'],
        ['AddUser', 'alice@example.com', `token:${ADMIN_TOKEN_NAME}`, 'api'],
      ],
    );
    assert.equal(response.body.nextCursor, null);
  });

  test('filters by operation names given comma-separated or repeated', async () => {
    const comma = await api.call('GET', '/api/v1/audit?operation=AddDomain,AddAlias');
    assert.deepEqual(operationsOf(comma.body), ['AddAlias', 'AddDomain']);
    const repeated = await api.call('GET', '/api/v1/audit?operation=AddDomain&operation=AddAlias');
    assert.deepEqual(operationsOf(repeated.body), ['AddAlias', 'AddDomain']);
  });

  test('filters by mailbox and result', async () => {
    const response = await api.call('GET', '/api/v1/audit?mailbox=ALICE@example.com&result=success');
    assert.deepEqual(operationsOf(response.body), ['AddAlias', 'AddUser']);
  });

  test('filters by time with ISO 8601 since and until', async () => {
    const since = encodeURIComponent('2026-03-01T09:30:00Z');
    const until = encodeURIComponent('2026-03-01T12:00:00+01:00'); // 11:00Z, exclusive
    const response = await api.call(
      'GET',
      `/api/v1/audit?since=${since}&until=${until}&actor=token:${ADMIN_TOKEN_NAME}`,
    );
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.records.map((record: Json) => [record.operation, record.mailbox]),
      [['AddUser', 'bob@example.com']],
    );
    const byDate = await api.call('GET', `/api/v1/audit?since=2026-03-02&actor=token:${ADMIN_TOKEN_NAME}`);
    assert.deepEqual(byDate.body.records, []);
  });

  test('pages through the log newest first with nextCursor', async () => {
    const seen: string[] = [];
    let path = `/api/v1/audit?limit=3&actor=token:${ADMIN_TOKEN_NAME}`;
    for (let page = 0; page < 5; page += 1) {
      const response = await api.call('GET', path);
      assert.equal(response.status, 200);
      seen.push(...operationsOf(response.body));
      if (response.body.nextCursor === null) break;
      path = `/api/v1/audit?limit=3&actor=token:${ADMIN_TOKEN_NAME}&cursor=${response.body.nextCursor}`;
    }
    assert.deepEqual(seen, ['AddAlias', 'AddUser', 'AddUser', 'AddDomain']);
  });

  test('reports an intact hash chain', async () => {
    const response = await api.call('GET', '/api/v1/audit/verify', { token: api.auditorToken });
    assert.equal(response.status, 200);
    assert.equal(response.body.ok, true);
    // two token creations, the domain, two users, the alias
    assert.equal(response.body.recordsChecked, 6);
  });
});

describe('a broken audit chain', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite', {
      wrap: (app) => ({
        ...app,
        audit: {
          ...app.audit,
          verify: async () => ({
            ok: false as const,
            recordsChecked: 3,
            brokenAtId: 4,
            problem: 'altered' as const,
            detail: 'record 4 (AddUser) was changed after it was written',
          }),
        },
      }),
    });
  });
  after(() => api.cleanup());

  test('is reported with 200 and ok:false naming the record', async () => {
    const response = await api.call('GET', '/api/v1/audit/verify');
    assert.equal(response.status, 200);
    assert.equal(response.body.ok, false);
    assert.equal(response.body.brokenAtId, 4);
    assert.equal(response.body.problem, 'altered');
  });
});

describe('audit counts, export and mailbox settings over the API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
    assert.equal((await api.call('POST', '/api/v1/domains', { json: { name: 'example.com' } })).status, 201);
    for (const name of ['alice', 'bob'])
      assert.equal(
        (
          await api.call('POST', '/api/v1/users', {
            json: { address: `${name}@example.com`, password: PASSWORD },
          })
        ).status,
        201,
      );
  });
  after(() => api.cleanup());

  test('counts records per operation with the search filters', async () => {
    const response = await api.call('GET', '/api/v1/audit/counts?operation=AddUser,AddDomain', {
      token: api.auditorToken,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.counts, { AddDomain: 1, AddUser: 2 });
  });

  test('streams the export as CSV or JSON Lines', async () => {
    const request = (query: string) =>
      api.http.request(`/api/v1/audit/export?${query}`, {
        headers: { authorization: `Bearer ${api.auditorToken}` },
      });
    const csv = await request('format=csv&operation=AddUser');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /^id,time,operation,/);
    const jsonl = await request('operation=AddUser');
    assert.equal(jsonl.headers.get('content-type'), 'application/x-ndjson');
    const records = (await jsonl.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Json);
    assert.deepEqual(
      records.map((record) => record.mailbox),
      ['bob@example.com', 'alice@example.com'],
    );
    assert.equal((await request('format=xml')).status, 400);
  });

  test('turns auditing of a mailbox off and on, audited, and only with an admin token', async () => {
    const forbidden = await api.call('PUT', '/api/v1/audit/mailboxes/bob@example.com', {
      token: api.auditorToken,
      json: { enabled: false },
    });
    assert.equal(forbidden.status, 403);
    const off = await api.call('PUT', '/api/v1/audit/mailboxes/bob@example.com', {
      json: { enabled: false },
    });
    assert.equal(off.status, 200);
    assert.equal(off.body.setting.enabled, false);
    assert.equal(off.body.changed, true);
    const overview = await api.call('GET', '/api/v1/audit/mailboxes', { token: api.auditorToken });
    assert.deepEqual(overview.body.coverage, { total: 2, audited: 1 });
    assert.deepEqual(
      overview.body.auditingOff.map((setting: Json) => setting.mailbox),
      ['bob@example.com'],
    );
    const record = await api.call('GET', '/api/v1/audit?operation=DisableMailboxAudit');
    assert.equal(record.body.records[0].actor, `token:${ADMIN_TOKEN_NAME}`);
    const missing = await api.call('PUT', '/api/v1/audit/mailboxes/nobody@example.com', {
      json: { enabled: false },
    });
    assert.equal(missing.status, 404);
    const on = await api.call('PUT', '/api/v1/audit/mailboxes/bob@example.com', { json: { enabled: true } });
    assert.equal(on.body.setting.enabled, true);
  });

  test('prunes on demand (nothing is old enough here), admin only', async () => {
    const response = await api.call('POST', '/api/v1/audit/prune', { json: {} });
    assert.equal(response.status, 200);
    assert.equal(response.body.removed, 0);
    assert.equal(
      (await api.call('POST', '/api/v1/audit/prune', { token: api.auditorToken, json: {} })).status,
      403,
    );
  });
});
