import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { type ApiHarness, createApiHarness } from './api-harness.js';

async function withApi(
  options: Parameters<typeof createApiHarness>[1],
  check: (api: ApiHarness) => Promise<void>,
): Promise<void> {
  const api = await createApiHarness('sqlite', options);
  try {
    await check(api);
  } finally {
    await api.cleanup();
  }
}

describe('GET /healthz', () => {
  test('reports ok without a token when the database and the spool answer', async () => {
    await withApi({}, async (api) => {
      const response = await api.call('GET', '/healthz', { token: null });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, {
        status: 'ok',
        database: { ok: true },
        delivery: { ok: true, target: api.app.delivery.describe() },
      });
      assert.match(response.body.delivery.target, /^spool:/);
    });
  });

  test('reports degraded with 200 when the relay does not answer', async () => {
    await withApi({ overrides: { 'relay.url': 'smtp://127.0.0.1:1' } }, async (api) => {
      const response = await api.call('GET', '/healthz', { token: null });
      assert.equal(response.status, 200);
      assert.equal(response.body.status, 'degraded');
      assert.equal(response.body.database.ok, true);
      assert.equal(response.body.delivery.ok, false);
      assert.equal(response.body.delivery.target, 'smtp://127.0.0.1:1');
      assert.ok(response.body.delivery.message);
    });
  });

  test('reports down with 503 when the database fails, without the driver message', async () => {
    const failingDatabase = (app: App): App => ({
      ...app,
      store: {
        ...app.store,
        ping: async () => {
          throw new Error('password authentication failed for user "mailwarden"');
        },
      },
    });
    await withApi({ wrap: failingDatabase }, async (api) => {
      const response = await api.call('GET', '/healthz', { token: null });
      assert.equal(response.status, 503);
      assert.equal(response.body.status, 'down');
      assert.equal(response.body.database.ok, false);
      assert.doesNotMatch(JSON.stringify(response.body), /mailwarden"/);
    });
  });

  test('answers within its timeout when a check hangs', async () => {
    const hangingRelay = (app: App): App => ({
      ...app,
      delivery: { ...app.delivery, check: () => new Promise(() => {}) },
    });
    await withApi({ wrap: hangingRelay, http: { healthTimeoutMs: 50 } }, async (api) => {
      const started = Date.now();
      const response = await api.call('GET', '/healthz', { token: null });
      assert.ok(Date.now() - started < 2000);
      assert.equal(response.status, 200);
      assert.equal(response.body.status, 'degraded');
      assert.equal(response.body.delivery.message, 'no answer within 50 ms');
    });
  });
});
