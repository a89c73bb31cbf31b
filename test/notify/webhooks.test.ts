import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, test } from 'node:test';
import { createNotifier, RETRY_DELAYS_MS, verifyWebhookSignature } from '../../src/notify/index.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { createLogger, silentLogger } from '../../src/runtime/logger.js';
import { createSecretBox } from '../../src/runtime/secret-box.js';
import { addUser, cliActor, createTestApp, type StoreKind, storeKinds } from '../support/test-app.js';
import { raiseAlert } from './raise-alert.js';
import { startWebhookReceiver, unusedUrl } from './webhook-receiver.js';

const START = Date.parse('2026-11-27T10:00:30Z');
/** The receiver listens on loopback, which webhooks reach only when allowed. */
const ALLOW_RECEIVER = { 'notify.webhooks.allowInternalHosts': ['127.0.0.1'] };
const receiverTargets = {
  allowInternalHosts: ['127.0.0.1'],
  dnsServers: [],
  dnsTimeoutMs: 1000,
  dnsTries: 1,
};

async function setup(kind: StoreKind) {
  const clock = createManualClock(START);
  const testApp = await createTestApp(kind, { clock, overrides: ALLOW_RECEIVER });
  await addUser(testApp.app, 'alice@example.org');
  const receiver = await startWebhookReceiver();
  return {
    ...testApp,
    clock,
    receiver,
    async cleanup() {
      await receiver.stop();
      await testApp.cleanup();
    },
  };
}

async function deliveryRow(app: Awaited<ReturnType<typeof setup>>['app'], channel = 'webhook') {
  const rows = await app.store.db
    .selectFrom('notification_deliveries')
    .selectAll()
    .where('channel', '=', channel as 'webhook')
    .execute();
  assert.equal(rows.length, 1);
  return rows[0]!;
}

for (const kind of storeKinds) {
  describe(`alert webhooks (${kind})`, () => {
    test('a raised alert reaches the webhook as a JSON POST with a valid signature', async () => {
      const { app, clock, receiver, cleanup } = await setup(kind);
      try {
        const added = await app.notifier.addWebhook({ name: 'siem', url: receiver.url }, cliActor);
        assert.ok(added.ok, JSON.stringify(added));
        assert.match(added.secret, /^whsec_[A-Za-z0-9_-]{43}$/);

        const { alert } = await raiseAlert(app);
        const summary = await app.notifier.runDueDeliveries();
        assert.deepEqual(summary, { attempted: 1, delivered: 1, retrying: 0, failed: 0 });

        assert.equal(receiver.received.length, 1);
        const request = receiver.received[0]!;
        assert.equal(request.method, 'POST');
        assert.equal(request.path, '/hooks/mailwarden');
        assert.equal(request.headers['content-type'], 'application/json');
        const timestamp = request.headers['x-mailwarden-timestamp'] as string;
        assert.equal(timestamp, String(Math.floor(clock.nowMs() / 1000)));
        // The receiver's check, exactly as docs/NOTIFICATIONS.md describes it.
        const expected = Buffer.from(
          `sha256=${createHmac('sha256', added.secret).update(`${timestamp}.${request.body}`).digest('hex')}`,
        );
        const given = Buffer.from(request.headers['x-mailwarden-signature'] as string);
        assert.ok(expected.length === given.length && timingSafeEqual(expected, given));
        assert.deepEqual(
          verifyWebhookSignature({
            secret: added.secret,
            timestamp,
            body: request.body,
            signature: given.toString(),
            nowMs: clock.nowMs(),
          }),
          { ok: true },
        );

        const body = JSON.parse(request.body);
        assert.equal(body.event, 'alert.raised');
        assert.equal(body.sentAt, new Date(clock.nowMs()).toISOString());
        assert.equal(body.alert.id, alert.id);
        assert.equal(body.alert.type, 'user-restricted');
        assert.equal(body.alert.mailbox, 'alice@example.org');
        assert.equal(body.alert.evidence.limit, 5);

        const row = await deliveryRow(app);
        assert.equal(row.status, 'delivered');
        assert.equal(row.attempts, 1);
        assert.equal(row.target, added.webhook.id);

        clock.advanceMs(60_000);
        await raiseAlert(app);
        await app.notifier.runDueDeliveries();
        assert.equal(receiver.received.length, 2);
        const repeat = JSON.parse(receiver.received[1]!.body);
        assert.equal(repeat.event, 'alert.repeated');
        assert.equal(repeat.alert.id, alert.id);
        assert.equal(repeat.alert.count, 2);
      } finally {
        await cleanup();
      }
    });

    test('the signing secret is stored only encrypted, and adding and removing are audited', async () => {
      const { app, receiver, cleanup } = await setup(kind);
      try {
        const added = await app.notifier.addWebhook({ name: 'chat', url: receiver.url }, cliActor);
        assert.ok(added.ok);
        const row = await app.store.db
          .selectFrom('webhooks')
          .selectAll()
          .where('name', '=', 'chat')
          .executeTakeFirstOrThrow();
        assert.ok(!row.secret_encrypted.includes(added.secret));
        assert.ok(!row.secret_encrypted.includes(added.secret.slice('whsec_'.length)));
        assert.match(row.secret_encrypted, /^v1\./);
        assert.ok(!JSON.stringify(await app.notifier.listWebhooks()).includes(added.secret));

        const duplicate = await app.notifier.addWebhook({ name: 'chat', url: receiver.url }, cliActor);
        assert.equal(!duplicate.ok && duplicate.code, 'webhook-name-taken');
        const badUrl = await app.notifier.addWebhook({ name: 'ftp', url: 'ftp://example.org/' }, cliActor);
        assert.equal(!badUrl.ok && badUrl.code, 'invalid-url');

        const removed = await app.notifier.removeWebhook('chat', cliActor);
        assert.ok(removed.ok);
        const missing = await app.notifier.removeWebhook('chat', cliActor);
        assert.equal(!missing.ok && missing.code, 'webhook-not-found');
        await app.audit.flush();
        const audit = await app.audit.search({ operations: ['AddWebhook', 'RemoveWebhook'] });
        assert.deepEqual(audit.records.map((record) => record.operation).sort(), [
          'AddWebhook',
          'RemoveWebhook',
        ]);
        assert.ok(audit.records.every((record) => record.actor === 'test'));
        assert.ok(!JSON.stringify(audit.records).includes(added.secret));
      } finally {
        await cleanup();
      }
    });

    test('a receiver answering 500 is retried at 30 s, 2 min, 10 min, 1 h and 6 h, then the delivery fails', async () => {
      const { app, clock, receiver, cleanup } = await setup(kind);
      try {
        receiver.answerWith(500);
        assert.ok((await app.notifier.addWebhook({ name: 'flaky', url: receiver.url }, cliActor)).ok);
        await raiseAlert(app);
        await app.notifier.runDueDeliveries();
        assert.equal(receiver.received.length, 1);
        for (const [index, delayMs] of RETRY_DELAYS_MS.entries()) {
          const pending = await deliveryRow(app);
          assert.equal(pending.status, 'pending');
          assert.equal(pending.attempts, index + 1);
          assert.equal(pending.last_error, 'HTTP 500');
          assert.equal(pending.next_attempt_at, clock.nowMs() + delayMs);
          clock.advanceMs(delayMs - 1000);
          assert.equal((await app.notifier.runDueDeliveries()).attempted, 0, 'not before its time');
          clock.advanceMs(1000);
          assert.equal((await app.notifier.runDueDeliveries()).attempted, 1);
          assert.equal(receiver.received.length, index + 2);
        }
        const failed = await deliveryRow(app);
        assert.equal(failed.status, 'failed');
        assert.equal(failed.attempts, RETRY_DELAYS_MS.length + 1);
        assert.equal(failed.next_attempt_at, null);
        clock.advanceMs(24 * 3_600_000);
        assert.equal((await app.notifier.runDueDeliveries()).attempted, 0);
        const [logged] = await app.notifier.listDeliveries();
        assert.equal(logged?.status, 'failed');
        assert.equal(logged?.webhookName, 'flaky');
        // Every retry was signed afresh, with the time of that attempt.
        const timestamps = receiver.received.map((request) =>
          Number(request.headers['x-mailwarden-timestamp']),
        );
        assert.deepEqual(
          timestamps.slice(1).map((time, index) => time - timestamps[index]!),
          RETRY_DELAYS_MS.map((delay) => delay / 1000),
        );
      } finally {
        await cleanup();
      }
    });

    test('a receiver that recovers gets the alert on the next retry and the delivery ends delivered', async () => {
      const { app, clock, receiver, cleanup } = await setup(kind);
      try {
        receiver.answerWith(503);
        assert.ok((await app.notifier.addWebhook({ name: 'soc', url: receiver.url }, cliActor)).ok);
        await raiseAlert(app);
        await app.notifier.runDueDeliveries();
        clock.advanceMs(RETRY_DELAYS_MS[0]!);
        await app.notifier.runDueDeliveries();
        receiver.answerWith(204);
        clock.advanceMs(RETRY_DELAYS_MS[1]!);
        assert.deepEqual(await app.notifier.runDueDeliveries(), {
          attempted: 1,
          delivered: 1,
          retrying: 0,
          failed: 0,
        });
        assert.equal(receiver.received.length, 3);
        const ids = new Set(receiver.received.map((request) => request.headers['x-mailwarden-delivery']));
        assert.equal(ids.size, 1, 'the same delivery id on every attempt, for de-duplication');
        const row = await deliveryRow(app);
        assert.equal(row.status, 'delivered');
        assert.equal(row.attempts, 3);
        assert.equal(row.last_error, null);
        assert.equal(row.delivered_at, clock.nowMs());
      } finally {
        await cleanup();
      }
    });

    test('a webhook that is down does not delay or break alert raising', async () => {
      const { app, receiver, cleanup } = await setup(kind);
      try {
        receiver.answerWith('hang');
        assert.ok((await app.notifier.addWebhook({ name: 'hangs', url: receiver.url }, cliActor)).ok);
        assert.ok((await app.notifier.addWebhook({ name: 'down', url: await unusedUrl() }, cliActor)).ok);
        const raised = await app.store.writeTransaction(async (trx) => [
          await app.alerts.raiseWithin(trx, {
            type: 'suspicious-sending',
            mailbox: 'alice@example.org',
            evidence: {},
          }),
        ]);
        const started = performance.now();
        assert.equal(app.alerts.announce(raised), undefined);
        assert.ok(performance.now() - started < 50, 'announce returns at once');
        await app.notifier.flush();
        // Raising goes on while the deliveries wait.
        const again = await app.store.writeTransaction(async (trx) => [
          await app.alerts.raiseWithin(trx, {
            type: 'user-restricted',
            mailbox: 'alice@example.org',
            evidence: {},
          }),
        ]);
        app.alerts.announce(again);
        await app.notifier.flush();
        assert.equal((await app.alerts.list()).length, 2);

        const down = await app.store.db
          .selectFrom('notification_deliveries')
          .select('id')
          .where('channel', '=', 'webhook')
          .execute();
        assert.equal(down.length, 4);
        // The one that is down is retried; the hanging one is abandoned at the timeout (short here).
        const notifier = createNotifier(
          {
            ...app,
            logger: silentLogger,
            secrets: createSecretBox({ key: null, dataDir: app.config.data.dir }),
            hostname: 'localhost',
            webhookTargets: receiverTargets,
          },
          { webhookTimeoutMs: 300 },
        );
        const summary = await notifier.runDueDeliveries();
        assert.deepEqual(summary, { attempted: 4, delivered: 0, retrying: 4, failed: 0 });
        const errors = (await app.notifier.listDeliveries()).map((delivery) => delivery.lastError).sort();
        assert.deepEqual(errors, [
          'network error: ECONNREFUSED',
          'network error: ECONNREFUSED',
          'no answer within 300 ms',
          'no answer within 300 ms',
        ]);
      } finally {
        await cleanup();
      }
    });

    test('a failure to queue notifications is logged, never thrown into the caller', async () => {
      const { app, cleanup } = await setup(kind);
      try {
        const lines: string[] = [];
        const notifier = createNotifier({
          ...app,
          store: { ...app.store, writeTransaction: () => Promise.reject(new Error('database unavailable')) },
          logger: createLogger({ level: 'error', sink: { write: (line: string) => lines.push(line) } }),
          secrets: createSecretBox({ key: null, dataDir: app.config.data.dir }),
          hostname: 'localhost',
          webhookTargets: receiverTargets,
        });
        assert.ok((await app.notifier.addWebhook({ name: 'any', url: await unusedUrl() }, cliActor)).ok);
        const { alert: raised } = await raiseAlert(app, {
          type: 'user-restricted',
          mailbox: 'alice@example.org',
          evidence: {},
        });
        assert.doesNotThrow(() => notifier.alertRaised(raised, true));
        await notifier.flush();
        assert.equal(lines.length, 1);
        assert.match(lines[0]!, /alert notifications not queued/);
        assert.match(lines[0]!, /database unavailable/);
      } finally {
        await cleanup();
      }
    });

    test('removing a webhook gives up the deliveries still waiting for it', async () => {
      const { app, receiver, cleanup } = await setup(kind);
      try {
        receiver.answerWith(500);
        assert.ok((await app.notifier.addWebhook({ name: 'gone', url: receiver.url }, cliActor)).ok);
        await raiseAlert(app);
        await app.notifier.runDueDeliveries();
        assert.ok((await app.notifier.removeWebhook('gone', cliActor)).ok);
        const row = await deliveryRow(app);
        assert.equal(row.status, 'failed');
        assert.equal(row.last_error, 'webhook removed');
      } finally {
        await cleanup();
      }
    });
  });
}

describe('the dispatcher loop', () => {
  test('once started, sends a raised alert at once and stops cleanly', async () => {
    const testApp = await createTestApp('sqlite', { overrides: ALLOW_RECEIVER });
    const receiver = await startWebhookReceiver();
    try {
      const { app } = testApp;
      assert.ok((await app.notifier.addWebhook({ name: 'live', url: receiver.url }, cliActor)).ok);
      app.notifier.start();
      await raiseAlert(app, { type: 'suspicious-sending', mailbox: null, evidence: {} });
      const deadline = Date.now() + 5000;
      while (receiver.received.length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(receiver.received.length, 1);
      await app.notifier.stop();
      const [delivery] = await app.notifier.listDeliveries();
      assert.equal(delivery?.status, 'delivered');
    } finally {
      await receiver.stop();
      await testApp.cleanup();
    }
  });
});
