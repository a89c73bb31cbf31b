import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../../src/runtime/clock.js';
import { addUser, storeKinds } from '../support/test-app.js';
import { ADMIN_TOKEN_NAME, type ApiHarness, createApiHarness, type Json } from './api-harness.js';
import { sendUntilRestricted } from './sending.js';

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;

for (const kind of storeKinds) {
  describe(`alerts over the API (${kind})`, () => {
    const clock = createManualClock(START);
    let api: ApiHarness;
    const alertOf = async (type: string): Promise<Json> => {
      const response = await api.call('GET', '/api/v1/alerts?mailbox=alice@example.com');
      const alert = response.body.alerts.find((candidate: Json) => candidate.type === type);
      assert.ok(alert, `a ${type} alert`);
      return alert;
    };

    before(async () => {
      api = await createApiHarness(kind, { clock });
      for (const name of ['alice', 'bob']) await addUser(api.app, `${name}@example.com`);
      const policy = await api.call('PUT', '/api/v1/policies/tight', {
        json: { users: ['alice@example.com'], externalPerHour: 2 },
      });
      assert.equal(policy.status, 200);
      clock.advanceMs(MINUTE);
      await sendUntilRestricted(api.app, 'alice@example.com');
      clock.advanceMs(MINUTE);
    });
    after(() => api.cleanup());

    test('lists the alerts that restricting a sender raised', async () => {
      const response = await api.call('GET', '/api/v1/alerts', { token: api.auditorToken });
      assert.equal(response.status, 200);
      const byType = new Map(response.body.alerts.map((alert: Json) => [alert.type, alert]));
      const restricted: Json = byType.get('user-restricted');
      assert.equal(restricted.severity, 'high');
      assert.equal(restricted.title, 'User restricted from sending email');
      assert.equal(restricted.mailbox, 'alice@example.com');
      assert.equal(restricted.status, 'new');
      assert.equal(restricted.evidence.limitKind, 'hourly-external-limit');
      const exceeded: Json = byType.get('sending-limit-exceeded');
      assert.equal(exceeded.severity, 'medium');
      assert.equal(exceeded.mailbox, 'alice@example.com');
      assert.equal(exceeded.evidence.limit, 2);
    });

    test('shows one alert by id, and answers 404 for an unknown id', async () => {
      const alert = await alertOf('user-restricted');
      const response = await api.call('GET', `/api/v1/alerts/${alert.id}`, { token: api.auditorToken });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body.alert, alert);
      const unknown = await api.call('GET', '/api/v1/alerts/no-such-alert');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'alert-not-found');
    });

    test('acknowledges and resolves an alert, and audits each change as the token', async () => {
      const alert = await alertOf('user-restricted');
      const acknowledged = await api.call('POST', `/api/v1/alerts/${alert.id}/acknowledge`);
      assert.equal(acknowledged.status, 200);
      assert.equal(acknowledged.body.alert.status, 'acknowledged');
      assert.equal(acknowledged.body.alert.updatedBy, `token:${ADMIN_TOKEN_NAME}`);
      const listed = await api.call('GET', '/api/v1/alerts?status=acknowledged');
      assert.deepEqual(
        listed.body.alerts.map((candidate: Json) => candidate.id),
        [alert.id],
      );

      const resolved = await api.call('POST', `/api/v1/alerts/${alert.id}/resolve`);
      assert.equal(resolved.status, 200);
      assert.equal(resolved.body.alert.status, 'resolved');
      assert.equal((await api.call('GET', `/api/v1/alerts/${alert.id}`)).body.alert.status, 'resolved');

      const { records } = await api.app.audit.search({ operations: ['UpdateAlert'] });
      assert.deepEqual(
        records
          .reverse()
          .map((record) => [
            record.actor,
            record.mailbox,
            record.details?.['alertId'],
            record.details?.['from'],
            record.details?.['to'],
          ]),
        [
          [`token:${ADMIN_TOKEN_NAME}`, 'alice@example.com', alert.id, 'new', 'acknowledged'],
          [`token:${ADMIN_TOKEN_NAME}`, 'alice@example.com', alert.id, 'acknowledged', 'resolved'],
        ],
      );
    });

    test('filters by status and mailbox and limits the list', async () => {
      const fresh = await api.call('GET', '/api/v1/alerts?status=new&mailbox=ALICE@example.com');
      assert.equal(fresh.status, 200);
      assert.ok(fresh.body.alerts.length >= 1);
      for (const alert of fresh.body.alerts) {
        assert.equal(alert.status, 'new');
        assert.equal(alert.mailbox, 'alice@example.com');
      }
      assert.ok(fresh.body.alerts.some((alert: Json) => alert.type === 'sending-limit-exceeded'));
      const bob = await api.call('GET', '/api/v1/alerts?mailbox=bob@example.com');
      assert.deepEqual(bob.body, { alerts: [] });
      const one = await api.call('GET', '/api/v1/alerts?limit=1');
      assert.equal(one.body.alerts.length, 1);
    });
  });
}

describe('refusals of the alerts API', () => {
  let api: ApiHarness;
  let alertId: string;
  before(async () => {
    const clock = createManualClock(START);
    api = await createApiHarness('sqlite', { clock });
    await addUser(api.app, 'alice@example.com');
    const policy = await api.call('PUT', '/api/v1/policies/tight', {
      json: { users: ['alice@example.com'], externalPerHour: 2 },
    });
    assert.equal(policy.status, 200);
    clock.advanceMs(MINUTE);
    await sendUntilRestricted(api.app, 'alice@example.com');
    const [alert] = await api.app.alerts.list({ status: 'new' });
    assert.ok(alert);
    alertId = alert.id;
  });
  after(() => api.cleanup());

  test('answers 404 alert-not-found when acknowledging or resolving an unknown alert', async () => {
    for (const action of ['acknowledge', 'resolve']) {
      const response = await api.call('POST', `/api/v1/alerts/no-such-alert/${action}`);
      assert.equal(response.status, 404, action);
      assert.equal(response.body.error.code, 'alert-not-found');
    }
  });

  test('refuses bad query parameters with 400 naming them', async () => {
    for (const [query, field] of [
      ['status=open', 'status'],
      ['limit=0', 'limit'],
      ['limit=many', 'limit'],
    ]) {
      const response = await api.call('GET', `/api/v1/alerts?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.error.code, 'invalid-query');
      assert.equal(response.body.error.issues[0].path, field, query);
    }
  });

  test('refuses changes from an auditor token with 403', async () => {
    for (const action of ['acknowledge', 'resolve']) {
      const response = await api.call('POST', `/api/v1/alerts/${alertId}/${action}`, {
        token: api.auditorToken,
      });
      assert.equal(response.status, 403, action);
    }
    assert.equal((await api.app.alerts.get(alertId))?.status, 'new');
    assert.deepEqual((await api.app.audit.search({ operations: ['UpdateAlert'] })).records, []);
  });
});
