import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock } from '../../src/runtime/clock.js';
import { addUser, cliActor, createTestApp, type StoreKind, storeKinds } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';
import { raiseAlert } from './raise-alert.js';
import { readEmail } from './received-email.js';

const START = Date.parse('2026-11-27T10:00:30Z');

async function setup(kind: StoreKind, overrides: Record<string, unknown> = {}) {
  const clock = createManualClock(START);
  const upstream = await startUpstreamServer();
  const testApp = await createTestApp(kind, {
    clock,
    overrides: { 'relay.url': `smtp://127.0.0.1:${upstream.port}`, ...overrides },
  });
  const { app } = testApp;
  await addUser(app, 'alice@example.org');
  await addUser(app, 'admin@example.org', 'admin-password-123', { role: 'admin' });
  await addUser(app, 'second.admin@example.org', 'admin-password-456', { role: 'admin' });
  await addUser(app, 'former.admin@example.org', 'admin-password-789', { role: 'admin' });
  assert.ok((await app.directory.setDisabled('former.admin@example.org', true, cliActor)).ok);
  return {
    ...testApp,
    clock,
    upstream,
    async cleanup() {
      await testApp.cleanup();
      await upstream.stop();
    },
  };
}

for (const kind of storeKinds) {
  describe(`admin email (${kind})`, () => {
    test('a new high alert emails every enabled admin the evidence and the next steps; no one else', async () => {
      const { app, upstream, cleanup } = await setup(kind);
      try {
        const { alert } = await raiseAlert(app);
        const summary = await app.notifier.runDueDeliveries();
        assert.deepEqual(summary, { attempted: 2, delivered: 2, retrying: 0, failed: 0 });

        assert.deepEqual(upstream.received.flatMap((message) => message.to).sort(), [
          'admin@example.org',
          'second.admin@example.org',
        ]);
        const message = upstream.received.find((received) => received.to[0] === 'admin@example.org');
        assert.ok(message);
        assert.equal(message.from, 'mailwarden@example.org');
        const email = readEmail(message.raw);
        assert.equal(email.header('from'), 'Mailwarden <mailwarden@example.org>');
        assert.equal(email.header('to'), '<admin@example.org>');
        assert.equal(
          email.header('subject'),
          '[Mailwarden] High: User restricted from sending email — alice@example.org',
        );
        assert.equal(email.header('auto-submitted'), 'auto-generated');
        const text = email.text;
        assert.match(text, /alice@example\.org reached the hourly limit of external recipients \(5 of 5\)/);
        assert.match(text, /Sample subjects: "Invoice overdue"/);
        assert.match(text, /"Ihre Rechnung – bitte prüfen"/);
        assert.match(text, /Recipient domains: customer\.test \(3\), other\.test \(2\)/);
        assert.match(text, /Source IPs: 198\.51\.100\.7/);
        assert.match(text, /Messages in the hour before: 4/);
        for (const command of [
          'mailwarden restricted show alice@example.org',
          'mailwarden user set-password alice@example.org --password-stdin',
          'mailwarden restricted release alice@example.org --reason "',
          `mailwarden alerts ack ${alert.id}`,
        ])
          assert.ok(text.includes(command), command);

        const deliveries = await app.notifier.listDeliveries();
        assert.equal(deliveries.length, 2);
        assert.ok(
          deliveries.every((delivery) => delivery.channel === 'email' && delivery.status === 'delivered'),
        );
        assert.ok(deliveries.every((delivery) => delivery.alertId === alert.id));
      } finally {
        await cleanup();
      }
    });

    test('alert emails come from the first domain added, not the first in alphabetical order; notify.emailFrom overrides it', async () => {
      const { app, upstream, clock, cleanup } = await setup(kind);
      try {
        clock.advanceMs(60_000);
        assert.ok((await app.directory.addDomain('aaa-brand.example', cliActor)).ok);
        await raiseAlert(app);
        await app.notifier.runDueDeliveries();
        assert.deepEqual(
          [...new Set(upstream.received.map((message) => message.from))],
          ['mailwarden@example.org'],
        );
      } finally {
        await cleanup();
      }
      const chosen = await setup(kind, { 'notify.emailFrom': 'security@example.org' });
      try {
        await raiseAlert(chosen.app);
        await chosen.app.notifier.runDueDeliveries();
        const message = chosen.upstream.received[0];
        assert.equal(message?.from, 'security@example.org');
        assert.equal(readEmail(message.raw).header('from'), 'Mailwarden <security@example.org>');
      } finally {
        await chosen.cleanup();
      }
    });

    test('a repeated alert is emailed again at most once an hour', async () => {
      const { app, clock, upstream, cleanup } = await setup(kind);
      try {
        await raiseAlert(app);
        for (let minutes = 10; minutes <= 70; minutes += 10) {
          clock.advanceMs(10 * 60_000);
          const { isNew } = await raiseAlert(app);
          assert.equal(isNew, false, 'grouped into the same alert');
        }
        await app.notifier.runDueDeliveries();
        const emailsPerAdmin = upstream.received.filter((message) => message.to[0] === 'admin@example.org');
        assert.equal(emailsPerAdmin.length, 2, 'the new alert, and one repeat an hour later');
        assert.match(readEmail(emailsPerAdmin[1]!.raw).text, /happened again: 7 times since/);
      } finally {
        await cleanup();
      }
    });

    test('a temporary relay failure is retried; a permanent refusal is not', async () => {
      const { app, clock, upstream, cleanup } = await setup(kind);
      try {
        upstream.setMode('temporary-failure');
        await raiseAlert(app);
        assert.deepEqual(await app.notifier.runDueDeliveries(), {
          attempted: 2,
          delivered: 0,
          retrying: 2,
          failed: 0,
        });
        upstream.setMode('accept');
        clock.advanceMs(30_000);
        assert.equal((await app.notifier.runDueDeliveries()).delivered, 2);
        assert.equal(upstream.received.length, 2);

        upstream.setMode('refuse');
        await raiseAlert(app, { type: 'sending-limit-exceeded', mailbox: 'alice@example.org', evidence: {} });
        assert.deepEqual(await app.notifier.runDueDeliveries(), {
          attempted: 2,
          delivered: 0,
          retrying: 0,
          failed: 2,
        });
        const failed = (await app.notifier.listDeliveries()).filter(
          (delivery) => delivery.status === 'failed',
        );
        assert.equal(failed.length, 2);
        assert.match(failed[0]!.lastError ?? '', /refused by policy/);
      } finally {
        await cleanup();
      }
    });
  });
}
