import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { headerSection } from '../../src/api/routes/quarantine.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { BODY_PHRASE, holdPhishing, VICTIM } from '../support/phishing.js';
import { addUser, storeKinds } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';
import {
  ADMIN_TOKEN_NAME,
  type ApiHarness,
  AUDITOR_TOKEN_NAME,
  createApiHarness,
  type Json,
} from './api-harness.js';

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;
const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';

for (const kind of storeKinds) {
  describe(`quarantine over the API (${kind})`, () => {
    const clock = createManualClock(START);
    let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
    let api: ApiHarness;
    /** Alice's three held messages, oldest first, and Bob's one. */
    let held: string[];
    let bobs: string;

    before(async () => {
      upstream = await startUpstreamServer();
      api = await createApiHarness(kind, {
        clock,
        overrides: { 'relay.url': `smtp://127.0.0.1:${upstream.port}`, 'relay.timeoutMs': 5000 },
      });
      for (const address of [ALICE, BOB]) await addUser(api.app, address);
      // Three verdicts would restrict Alice under the default policy; this one lets her keep sending.
      const policy = await api.call('PUT', '/api/v1/policies/lenient', {
        json: { users: [ALICE], spamVerdictsToRestrict: 1000 },
      });
      assert.equal(policy.status, 200);
      held = [];
      for (let n = 1; n <= 3; n++) {
        clock.advanceMs(MINUTE);
        held.push(await holdPhishing(api.app, ALICE, n));
      }
      clock.advanceMs(MINUTE);
      bobs = await holdPhishing(api.app, BOB, 4);
      clock.advanceMs(MINUTE);
    });
    after(async () => {
      await api?.cleanup();
      await upstream?.stop();
    });

    test('lists the held messages newest first, for any token, by mailbox and with a limit', async () => {
      const response = await api.call('GET', '/api/v1/quarantine', { token: api.auditorToken });
      assert.equal(response.status, 200);
      assert.deepEqual(
        response.body.messages.map((message: Json) => message.id),
        [bobs, ...[...held].reverse()],
      );
      const newest = response.body.messages[1];
      assert.equal(newest.mailbox, ALICE);
      assert.equal(newest.sender, ALICE);
      assert.deepEqual(newest.recipients, [VICTIM]);
      assert.equal(newest.subject, 'Urgent: verify your account (3)');
      assert.equal(newest.messageId, '<phish-3@example.com>');
      assert.equal(newest.status, 'held');
      assert.equal(newest.heldAt, new Date(START + 3 * MINUTE).toISOString());
      assert.equal(newest.decidedBy, null);
      assert.equal(newest.decidedAt, null);
      assert.ok(newest.score >= 10);
      assert.equal(newest.raw, undefined);
      assert.equal(newest.headers, undefined);

      const alices = await api.call('GET', `/api/v1/quarantine?mailbox=${ALICE.toUpperCase()}&limit=2`);
      assert.deepEqual(
        alices.body.messages.map((message: Json) => message.id),
        [held[2], held[1]],
      );
      const bob = await api.call('GET', `/api/v1/quarantine?mailbox=${BOB}&status=held`);
      assert.deepEqual(
        bob.body.messages.map((message: Json) => [message.id, message.policy]),
        [[bobs, { name: 'default', version: 0 }]],
      );
      const none = await api.call('GET', '/api/v1/quarantine?status=released');
      assert.deepEqual(none.body, { messages: [] });
    });

    test('shows a message with its findings and weights, policy and header section, never its body', async () => {
      const response = await api.call('GET', `/api/v1/quarantine/${held[0]}`, { token: api.auditorToken });
      assert.equal(response.status, 200);
      const { message } = response.body;
      assert.equal(message.id, held[0]);
      assert.equal(message.subject, 'Urgent: verify your account (1)');
      assert.deepEqual(message.policy, { name: 'lenient', version: 1 });
      assert.equal(message.status, 'held');
      assert.equal(message.raw, undefined);
      assert.ok(message.findings.length > 0);
      for (const finding of message.findings) {
        assert.equal(typeof finding.name, 'string');
        assert.equal(typeof finding.weight, 'number');
        assert.equal(typeof finding.detail, 'string');
      }
      const total = message.findings.reduce((sum: number, finding: Json) => sum + finding.weight, 0);
      assert.equal(Math.round(total * 1000) / 1000, message.score);
      assert.ok(message.findings.some((finding: Json) => finding.weight > 0));

      assert.equal(typeof message.headers, 'string');
      assert.ok(message.headers.startsWith(`From: ${ALICE}\r\n`));
      assert.match(message.headers, /^Subject: Urgent: verify your account \(1\)\r$/m);
      assert.ok(message.headers.endsWith('Content-Type: multipart/mixed; boundary="mixed-boundary-1"\r\n'));
      assert.ok(!message.headers.includes(BODY_PHRASE));
      assert.ok(!message.headers.includes('--mixed-boundary-1'));
      assert.ok(!message.headers.includes('invoice.pdf.exe'));
      assert.ok(!message.headers.includes('bit.ly'));
    });

    test('answers 404 message-not-found for an id that was never held', async () => {
      for (const [method, suffix] of [
        ['GET', ''],
        ['POST', '/release'],
        ['POST', '/delete'],
      ] as const) {
        const response = await api.call(method, `/api/v1/quarantine/no-such-message${suffix}`);
        assert.equal(response.status, 404, `${method} ${suffix}`);
        assert.equal(response.body.error.code, 'message-not-found');
      }
    });

    test('refuses to release or delete with an auditor token (403), leaving the message held', async () => {
      for (const action of ['release', 'delete']) {
        const response = await api.call('POST', `/api/v1/quarantine/${held[0]}/${action}`, {
          token: api.auditorToken,
        });
        assert.equal(response.status, 403, action);
        assert.equal(response.body.error.code, 'forbidden');
      }
      const shown = await api.call('GET', `/api/v1/quarantine/${held[0]}`);
      assert.equal(shown.body.message.status, 'held');
      assert.equal(upstream.received.length, 0);
      const { records } = await api.app.audit.search({
        operations: ['ReleaseQuarantinedMessage', 'DeleteQuarantinedMessage'],
      });
      assert.deepEqual(records, []);
    });

    test('answers 502 release-failed when the relay refuses the message, which stays held', async () => {
      upstream.setMode('refuse');
      try {
        const response = await api.call('POST', `/api/v1/quarantine/${held[0]}/release`);
        assert.equal(response.status, 502);
        assert.equal(response.body.error.code, 'release-failed');
        assert.match(response.body.error.message, /not delivered/);
      } finally {
        upstream.setMode('accept');
      }
      const shown = await api.call('GET', `/api/v1/quarantine/${held[0]}`);
      assert.equal(shown.body.message.status, 'held');
      assert.equal(shown.body.message.decidedBy, null);
      const { records } = await api.app.audit.search({ operations: ['ReleaseQuarantinedMessage'] });
      assert.deepEqual(records, []);
    });

    test('releases a held message: delivers it as submitted and audits the release as the token', async () => {
      const response = await api.call('POST', `/api/v1/quarantine/${held[0]}/release`);
      assert.equal(response.status, 200);
      const { message } = response.body;
      assert.equal(message.id, held[0]);
      assert.equal(message.status, 'released');
      assert.equal(message.decidedBy, `token:${ADMIN_TOKEN_NAME}`);
      assert.equal(message.decidedAt, new Date(clock.nowMs()).toISOString());
      assert.equal(message.headers, undefined);

      assert.equal(upstream.received.length, 1);
      const delivered = upstream.received[0]!;
      assert.equal(delivered.from, ALICE);
      assert.deepEqual(delivered.to, [VICTIM]);
      assert.ok(delivered.raw.toString('utf8').includes('Subject: Urgent: verify your account (1)'));
      assert.ok(delivered.raw.toString('utf8').includes(BODY_PHRASE));

      const { records } = await api.app.audit.search({ operations: ['ReleaseQuarantinedMessage'] });
      assert.equal(records.length, 1);
      assert.equal(records[0]?.actor, `token:${ADMIN_TOKEN_NAME}`);
      assert.equal(records[0]?.mailbox, ALICE);
      assert.equal(records[0]?.subject, 'Urgent: verify your account (1)');
      assert.equal(records[0]?.messageId, '<phish-1@example.com>');
      assert.equal(records[0]?.details?.['quarantineId'], held[0]);

      const stillHeld = await api.call('GET', `/api/v1/quarantine?mailbox=${ALICE}`);
      assert.deepEqual(
        stillHeld.body.messages.map((m: Json) => m.id),
        [held[2], held[1]],
      );
      const released = await api.call('GET', '/api/v1/quarantine?status=released', {
        token: api.auditorToken,
      });
      assert.deepEqual(released.body.messages, [message]);
    });

    test('refuses to release or delete a message that is no longer held with 409 message-not-held', async () => {
      for (const action of ['release', 'delete']) {
        const response = await api.call('POST', `/api/v1/quarantine/${held[0]}/${action}`);
        assert.equal(response.status, 409, action);
        assert.equal(response.body.error.code, 'message-not-held');
        assert.match(response.body.error.message, /already released/);
      }
      assert.equal(upstream.received.length, 1, 'not delivered twice');
    });

    test('deletes a held message without delivering it, and audits the deletion as the token', async () => {
      clock.advanceMs(MINUTE);
      const response = await api.call('POST', `/api/v1/quarantine/${held[1]}/delete`);
      assert.equal(response.status, 200);
      const { message } = response.body;
      assert.equal(message.id, held[1]);
      assert.equal(message.status, 'deleted');
      assert.equal(message.decidedBy, `token:${ADMIN_TOKEN_NAME}`);
      assert.equal(message.decidedAt, new Date(clock.nowMs()).toISOString());
      assert.equal(upstream.received.length, 1);

      const { records } = await api.app.audit.search({ operations: ['DeleteQuarantinedMessage'] });
      assert.equal(records.length, 1);
      assert.equal(records[0]?.actor, `token:${ADMIN_TOKEN_NAME}`);
      assert.equal(records[0]?.mailbox, ALICE);
      assert.equal(records[0]?.details?.['quarantineId'], held[1]);

      const again = await api.call('POST', `/api/v1/quarantine/${held[1]}/release`);
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'message-not-held');
      assert.equal(upstream.received.length, 1);
      const deleted = await api.call('GET', '/api/v1/quarantine?status=deleted');
      assert.deepEqual(deleted.body.messages, [message]);
      const shown = await api.call('GET', `/api/v1/quarantine/${held[1]}`);
      assert.equal(shown.body.message.status, 'deleted');
      assert.deepEqual(
        (await api.call('GET', `/api/v1/quarantine?mailbox=${ALICE}`)).body.messages.map((m: Json) => m.id),
        [held[2]],
      );
    });
  });
}

describe('quarantine release to the local spool', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
    await addUser(api.app, ALICE);
  });
  after(() => api.cleanup());

  test('writes the released message to the spool folder', async () => {
    const id = await holdPhishing(api.app, ALICE, 1);
    const spool = path.join(api.app.config.data.dir, 'spool');
    const response = await api.call('POST', `/api/v1/quarantine/${id}/release`);
    assert.equal(response.status, 200);
    assert.equal(response.body.message.status, 'released');
    const files = (await readdir(spool)).filter((name) => name.endsWith('.eml'));
    assert.equal(files.length, 1);
    const spooled = await readFile(path.join(spool, files[0]!), 'utf8');
    assert.ok(spooled.includes('Subject: Urgent: verify your account (1)'));
    assert.ok(spooled.includes(BODY_PHRASE));
    const { records } = await api.app.audit.search({ operations: ['ReleaseQuarantinedMessage'] });
    assert.equal(records[0]?.actor, `token:${ADMIN_TOKEN_NAME}`);
  });
});

describe('refusals of the quarantine API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
  });
  after(() => api.cleanup());

  test('refuses an unknown status or an out-of-range limit with 400 invalid-query', async () => {
    const status = await api.call('GET', '/api/v1/quarantine?status=pending');
    assert.equal(status.status, 400);
    assert.equal(status.body.error.code, 'invalid-query');
    assert.deepEqual(
      status.body.error.issues.map((issue: Json) => issue.path),
      ['status'],
    );
    const limit = await api.call('GET', '/api/v1/quarantine?limit=0');
    assert.equal(limit.status, 400);
    assert.deepEqual(
      limit.body.error.issues.map((issue: Json) => issue.path),
      ['limit'],
    );
  });

  test('asks for a token', async () => {
    const response = await api.call('GET', '/api/v1/quarantine', { token: null });
    assert.equal(response.status, 401);
    const release = await api.call('POST', '/api/v1/quarantine/x/release', { token: null });
    assert.equal(release.status, 401);
  });

  test(`lets the auditor token (${AUDITOR_TOKEN_NAME}) read an empty quarantine`, async () => {
    const response = await api.call('GET', '/api/v1/quarantine', { token: api.auditorToken });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { messages: [] });
  });
});

describe('the header section of a quarantined message', () => {
  test('ends at the first empty line, with CRLF or bare LF line breaks', () => {
    assert.equal(headerSection(Buffer.from('A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore')), 'A: 1\r\nB: 2\r\n');
    assert.equal(headerSection(Buffer.from('A: 1\nB:\n 2\n\nbody')), 'A: 1\nB:\n 2\n');
    assert.equal(headerSection(Buffer.from('A: 1\r\nB: 2\r\n\nbody')), 'A: 1\r\nB: 2\r\n');
  });

  test('is empty for a message that starts with an empty line, and all of one without', () => {
    assert.equal(headerSection(Buffer.from('\r\nbody')), '');
    assert.equal(headerSection(Buffer.from('\nbody')), '');
    assert.equal(headerSection(Buffer.from('A: 1\r\nB: 2\r\n')), 'A: 1\r\nB: 2\r\n');
  });
});
