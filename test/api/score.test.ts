import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { scoreReportSchema } from '../../src/api/response-schemas.js';
import { storeKinds } from '../support/test-app.js';
import { ADMIN_TOKEN_NAME, type ApiHarness, createApiHarness } from './api-harness.js';

for (const kind of storeKinds) {
  describe(`/api/v1/score (${kind})`, () => {
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind);
    });
    after(() => api.cleanup());

    test('GET /score answers the whole report to any token, most points to gain first', async () => {
      const response = await api.call('GET', '/api/v1/score', { token: api.auditorToken });
      assert.equal(response.status, 200);
      const report = response.body;
      assert.ok(report.controls.length >= 25);
      assert.equal(typeof report.score, 'number');
      assert.equal(typeof report.achievableScore, 'number');
      assert.deepEqual(
        report.categories.map((c: { category: string }) => c.category),
        ['identity', 'mail-flow', 'audit', 'domains'],
      );
      assert.equal(response.headers.get('cache-control'), 'no-store');
      // Every finding as the documented schema says: English beside the message key and values.
      const parsed = scoreReportSchema.safeParse(report);
      assert.ok(parsed.success, parsed.error?.message);
    });

    test('GET /score/controls/{id} answers one control, 404 for an unknown id', async () => {
      const found = await api.call('GET', '/api/v1/score/controls/mail-flow.submission-tls');
      assert.equal(found.status, 200);
      assert.equal(found.body.control.id, 'mail-flow.submission-tls');
      assert.equal(found.body.control.status, 'completed');
      assert.equal(found.body.control.measured.current, 'AUTH needs TLS on every listener');
      assert.deepEqual(found.body.control.measured.finding, { key: 'score.finding.authNeedsTls' });
      const missing = await api.call('GET', '/api/v1/score/controls/no.such-control');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'control-not-found');
    });

    test('PUT /score/controls/{id}/status sets a status with a reason, audited as the token', async () => {
      const path = '/api/v1/score/controls/identity.admin-count/status';
      const body = { status: 'alternate-mitigation', reason: 'break-glass account kept offline' };
      const auditor = await api.call('PUT', path, { token: api.auditorToken, json: body });
      assert.equal(auditor.status, 403);
      const set = await api.call('PUT', path, { json: body });
      assert.equal(set.status, 200);
      assert.equal(set.body.control.status, 'alternate-mitigation');
      assert.equal(set.body.control.points, set.body.control.maxPoints);
      assert.equal(set.body.control.override.setBy, `token:${ADMIN_TOKEN_NAME}`);
      const records = await api.app.audit.search({ operations: ['SetScoreControlStatus'] });
      assert.equal(records.records[0]?.actor, `token:${ADMIN_TOKEN_NAME}`);
      assert.equal(records.records[0]?.details?.['reason'], body.reason);

      const badStatus = await api.call('PUT', path, { json: { status: 'completed', reason: 'because' } });
      assert.equal(badStatus.status, 400);
      assert.equal(badStatus.body.error.issues[0].path, 'status');
      const noReason = await api.call('PUT', path, { json: { status: 'risk-accepted', reason: ' ' } });
      assert.equal(noReason.status, 422);
      assert.equal(noReason.body.error.code, 'invalid-reason');
      const unknown = await api.call('PUT', '/api/v1/score/controls/nope/status', { json: body });
      assert.equal(unknown.status, 404);
    });

    test('POST /score/snapshots takes one (admins only) and GET /score/history lists them oldest first', async () => {
      assert.equal(
        (await api.call('POST', '/api/v1/score/snapshots', { token: api.auditorToken })).status,
        403,
      );
      const first = await api.call('POST', '/api/v1/score/snapshots');
      assert.equal(first.status, 201);
      assert.equal(first.body.snapshot.trigger, 'on-demand');
      await api.call('POST', '/api/v1/score/snapshots');
      const history = await api.call('GET', '/api/v1/score/history?days=7', { token: api.auditorToken });
      assert.equal(history.status, 200);
      assert.equal(history.body.snapshots.length, 2);
      assert.equal(history.body.snapshots[0].id, first.body.snapshot.id);
      assert.equal(typeof history.body.snapshots[0].categories.identity.score, 'number');
      const bad = await api.call('GET', '/api/v1/score/history?days=0');
      assert.equal(bad.status, 400);
    });
  });
}
