import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../../src/runtime/clock.js';
import { addUser, cliActor, storeKinds } from '../support/test-app.js';
import { ADMIN_TOKEN_NAME, type ApiHarness, createApiHarness, type Json } from './api-harness.js';
import { sendUntilRestricted, submitMessage } from './sending.js';

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;
const NOT_SECURED = 'the password was not changed since the restriction';
const NO_MFA = 'multi-factor authentication is not on (mailwarden user mfa enforce <user>)';

for (const kind of storeKinds) {
  describe(`restricted senders over the API (${kind})`, () => {
    const clock = createManualClock(START);
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind, { clock });
      for (const name of ['alice', 'bob', 'carol']) await addUser(api.app, `${name}@example.com`);
      const policy = await api.call('PUT', '/api/v1/policies/tight', {
        json: { users: ['alice@example.com', 'bob@example.com'], externalPerHour: 2 },
      });
      assert.equal(policy.status, 200);
      clock.advanceMs(MINUTE);
      const alice = await sendUntilRestricted(api.app, 'alice@example.com');
      assert.equal(alice.code, 'hourly-limit-reached');
      clock.advanceMs(MINUTE);
      const bob = await sendUntilRestricted(api.app, 'bob@example.com');
      assert.equal(bob.code, 'hourly-limit-reached');
      clock.advanceMs(MINUTE);
    });
    after(() => api.cleanup());

    test('lists the restricted senders newest first, with the reason and the evidence', async () => {
      const response = await api.call('GET', '/api/v1/restricted', { token: api.auditorToken });
      assert.equal(response.status, 200);
      assert.deepEqual(
        response.body.restricted.map((restriction: Json) => restriction.mailbox),
        ['bob@example.com', 'alice@example.com'],
      );
      const alice = response.body.restricted[1];
      assert.equal(alice.reason, 'hourly-external-limit');
      assert.equal(alice.policyName, 'tight');
      assert.equal(alice.action, 'restrict');
      assert.equal(alice.since, new Date(START + MINUTE).toISOString());
      assert.equal(alice.until, null);
      assert.equal(alice.released, null);
      assert.deepEqual(alice.evidence.counts, { used: 2, limit: 2 });
      assert.equal(alice.evidence.policyVersion, 1);
      assert.deepEqual(alice.evidence.recipientDomains, [{ domain: 'external.test', recipients: 2 }]);
      assert.deepEqual(alice.evidence.sampleSubjects, ['Quarterly figures']);
      assert.deepEqual(alice.evidence.sourceIps, ['192.0.2.10']);
      assert.equal(alice.evidence.messagesLastHour, 1);
    });

    test("shows a user's restrictions", async () => {
      const response = await api.call('GET', '/api/v1/restricted/alice@example.com', {
        token: api.auditorToken,
      });
      assert.equal(response.status, 200);
      assert.equal(response.body.restrictions.length, 1);
      assert.equal(response.body.restrictions[0].reason, 'hourly-external-limit');
      const carol = await api.call('GET', '/api/v1/restricted/carol@example.com');
      assert.deepEqual(carol.body, { restrictions: [] });
    });

    test('refuses a release before the password was changed with 409 and the unmet checks', async () => {
      const response = await api.call('POST', '/api/v1/restricted/alice@example.com/release', {
        json: { reason: 'user confirmed the mails' },
      });
      assert.equal(response.status, 409);
      assert.equal(response.body.error.code, 'release-refused');
      assert.deepEqual(response.body.error.unmetChecks, [NOT_SECURED, NO_MFA]);
      assert.match(response.body.error.message, /secure the account first/);
      const still = await api.call('GET', '/api/v1/restricted');
      assert.equal(still.body.restricted.length, 2);
      assert.equal(
        (await submitMessage(api.app, 'alice@example.com', ['a@example.com'])).refusal?.code,
        'sender-restricted',
      );
    });

    test('releases once the password was changed, and audits the release as the token', async () => {
      clock.advanceMs(MINUTE);
      const changed = await api.app.directory.setPassword(
        'alice@example.com',
        'a new and secret passphrase',
        cliActor,
      );
      assert.ok(changed.ok);
      assert.ok((await api.app.identity.mfa.enforce('alice@example.com', cliActor)).ok);
      clock.advanceMs(MINUTE);
      const response = await api.call('POST', '/api/v1/restricted/alice@example.com/release', {
        json: { reason: 'password reset after phishing' },
      });
      assert.equal(response.status, 200);
      assert.equal(response.body.restriction.mailbox, 'alice@example.com');
      assert.deepEqual(response.body.restriction.released, {
        at: new Date(clock.nowMs()).toISOString(),
        by: `token:${ADMIN_TOKEN_NAME}`,
        reason: 'password reset after phishing',
        forced: false,
      });

      const listed = await api.call('GET', '/api/v1/restricted');
      assert.deepEqual(
        listed.body.restricted.map((restriction: Json) => restriction.mailbox),
        ['bob@example.com'],
      );
      const history = await api.call('GET', '/api/v1/restricted/alice@example.com');
      assert.equal(history.body.restrictions[0].released.by, `token:${ADMIN_TOKEN_NAME}`);
      assert.equal((await submitMessage(api.app, 'alice@example.com', ['a@example.com'])).refusal, null);

      const { records } = await api.app.audit.search({ operations: ['ReleaseSender'] });
      assert.equal(records.length, 1);
      assert.equal(records[0]?.mailbox, 'alice@example.com');
      assert.equal(records[0]?.actor, `token:${ADMIN_TOKEN_NAME}`);
      assert.equal(records[0]?.details?.['forced'], false);
    });

    test('releases with force and a reason without the password change, and audits what it overrode', async () => {
      const response = await api.call('POST', '/api/v1/restricted/bob@example.com/release', {
        json: { reason: 'bulk mailing approved by the CFO', force: true },
      });
      assert.equal(response.status, 200);
      assert.equal(response.body.restriction.released.forced, true);
      assert.equal(response.body.restriction.released.reason, 'bulk mailing approved by the CFO');
      assert.deepEqual((await api.call('GET', '/api/v1/restricted')).body, { restricted: [] });

      const { records } = await api.app.audit.search({
        operations: ['ReleaseSender'],
        mailbox: 'bob@example.com',
      });
      assert.equal(records[0]?.actor, `token:${ADMIN_TOKEN_NAME}`);
      assert.equal(records[0]?.details?.['forced'], true);
      assert.deepEqual(records[0]?.details?.['checksOverridden'], [NOT_SECURED, NO_MFA]);
    });

    test('refuses to release a sender that is not restricted with 409 not-restricted', async () => {
      const response = await api.call('POST', '/api/v1/restricted/carol@example.com/release', {
        json: { reason: 'just in case' },
      });
      assert.equal(response.status, 409);
      assert.equal(response.body.error.code, 'not-restricted');
    });
  });
}

describe('refusals of the restricted senders API', () => {
  const clock = createManualClock(START);
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite', { clock });
    await addUser(api.app, 'alice@example.com');
    const policy = await api.call('PUT', '/api/v1/policies/tight', {
      json: { users: ['alice@example.com'], externalPerHour: 2 },
    });
    assert.equal(policy.status, 200);
    clock.advanceMs(MINUTE);
    await sendUntilRestricted(api.app, 'alice@example.com');
  });
  after(() => api.cleanup());

  const release = (json: unknown, address = 'alice@example.com', token?: string) =>
    api.call('POST', `/api/v1/restricted/${address}/release`, { json, token });

  test('refuses a release without a real reason with 422 invalid-reason', async () => {
    for (const reason of ['', '  ', 'ok']) {
      const response = await release({ reason, force: true });
      assert.equal(response.status, 422, JSON.stringify(reason));
      assert.equal(response.body.error.code, 'invalid-reason');
    }
  });

  test('refuses a body without a reason or with a force that is not a boolean with 400', async () => {
    const missing = await release({ force: true });
    assert.equal(missing.status, 400);
    assert.deepEqual(
      missing.body.error.issues.map((issue: Json) => issue.path),
      ['reason'],
    );
    const notBoolean = await release({ reason: 'looked at it', force: 'yes' });
    assert.equal(notBoolean.status, 400);
    assert.deepEqual(
      notBoolean.body.error.issues.map((issue: Json) => issue.path),
      ['force'],
    );
  });

  test('answers 404 user-not-found for a user that does not exist', async () => {
    const shown = await api.call('GET', '/api/v1/restricted/nobody@example.com');
    assert.equal(shown.status, 404);
    assert.equal(shown.body.error.code, 'user-not-found');
    const released = await release({ reason: 'looked at it' }, 'nobody@example.com');
    assert.equal(released.status, 404);
    assert.equal(released.body.error.code, 'user-not-found');
  });

  test('refuses a release from an auditor token with 403', async () => {
    const response = await release(
      { reason: 'looked at it', force: true },
      'alice@example.com',
      api.auditorToken,
    );
    assert.equal(response.status, 403);
    assert.equal((await api.call('GET', '/api/v1/restricted')).body.restricted.length, 1);
  });
});
