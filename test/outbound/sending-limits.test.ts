import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock } from '../../src/runtime/clock.js';
import { addUser, createTestApp, storeKinds } from '../support/test-app.js';
import { external, sendThroughPolicy } from './send-helper.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
const NO_MFA = 'multi-factor authentication is not on (mailwarden user mfa enforce <user>)';
const START = Date.parse('2026-11-27T10:00:30Z');

async function setup(kind: (typeof storeKinds)[number], settings: Record<string, unknown>) {
  const clock = createManualClock(START);
  const testApp = await createTestApp(kind, { clock });
  const { app } = testApp;
  const user = await addUser(app, 'alice@example.org', 'alice-password-123');
  await addUser(app, 'colleague@example.org', 'colleague-password-1');
  const set = await app.outbound.setPolicy('default', { settings }, admin);
  assert.ok(set.ok, JSON.stringify(set));
  return { ...testApp, app, clock, user: { id: user.id, address: user.address } };
}

for (const kind of storeKinds) {
  describe(`sending limits (${kind})`, () => {
    test('reaching the hourly external limit restricts the sender, raises alerts and records evidence', async () => {
      const { app, user, cleanup } = await setup(kind, { externalPerHour: 5, action: 'restrict' });
      try {
        assert.deepEqual(await sendThroughPolicy(app, user, external(3), 'Invoice overdue'), {
          stage: 'sent',
        });
        assert.deepEqual(await sendThroughPolicy(app, user, ['colleague@example.org'], 'lunch?'), {
          stage: 'sent',
        });
        const refused = await sendThroughPolicy(app, user, external(3, 'other.test'), 'Invoice overdue');
        assert.deepEqual(refused, { stage: 'rcpt', code: 'hourly-limit-reached', index: 2 });
        assert.deepEqual(await sendThroughPolicy(app, user, ['colleague@example.org']), {
          stage: 'mail',
          code: 'sender-restricted',
        });
        const [restriction] = await app.outbound.listRestricted();
        assert.ok(restriction);
        assert.equal(restriction.mailbox, 'alice@example.org');
        assert.equal(restriction.reason, 'hourly-external-limit');
        assert.equal(restriction.until, null);
        assert.deepEqual(restriction.evidence.counts, { used: 5, limit: 5 });
        assert.deepEqual(restriction.evidence.sampleSubjects.sort(), ['Invoice overdue', 'lunch?']);
        assert.deepEqual(restriction.evidence.sourceIps, ['198.51.100.7']);
        assert.equal(restriction.evidence.recipientDomains[0]?.domain, 'customer.test');
        const alerts = await app.alerts.list();
        assert.deepEqual(alerts.map((alert) => `${alert.type}/${alert.severity}`).sort(), [
          'sending-limit-exceeded/medium',
          'suspicious-sending/medium',
          'user-restricted/high',
        ]);
        const audit = await app.audit.search({ operations: ['RestrictSender'] });
        assert.equal(audit.records[0]?.mailbox, 'alice@example.org');
        assert.equal(audit.records[0]?.actor, 'system');
      } finally {
        await cleanup();
      }
    });

    test('internal recipients count against the internal limit, not the external one', async () => {
      const { app, user, cleanup } = await setup(kind, { externalPerHour: 2, internalPerHour: 10 });
      try {
        const colleagues = Array.from({ length: 8 }, () => 'colleague@example.org');
        assert.deepEqual(await sendThroughPolicy(app, user, colleagues), { stage: 'sent' });
        assert.deepEqual(await sendThroughPolicy(app, user, external(2)), { stage: 'sent' });
      } finally {
        await cleanup();
      }
    });

    test('the daily limit refuses with daily-limit-reached across a rolling 24 hours', async () => {
      const { app, user, clock, cleanup } = await setup(kind, { perDay: 6, externalPerHour: 100 });
      try {
        assert.deepEqual(await sendThroughPolicy(app, user, external(4)), { stage: 'sent' });
        clock.advanceMs(5 * 3_600_000);
        assert.deepEqual(await sendThroughPolicy(app, user, external(2)), { stage: 'sent' });
        clock.advanceMs(3_600_000);
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), {
          stage: 'rcpt',
          code: 'daily-limit-reached',
          index: 0,
        });
      } finally {
        await cleanup();
      }
    });

    test('the hourly window rolls: recipients older than an hour no longer count', async () => {
      const { app, user, clock, cleanup } = await setup(kind, { externalPerHour: 4, action: 'alert' });
      try {
        assert.deepEqual(await sendThroughPolicy(app, user, external(4)), { stage: 'sent' });
        clock.advanceMs(61 * 60_000);
        assert.deepEqual(await sendThroughPolicy(app, user, external(4)), { stage: 'sent' });
        assert.equal(
          (await app.alerts.list({ mailbox: 'alice@example.org' })).filter(
            (a) => a.type === 'sending-limit-exceeded',
          ).length,
          0,
        );
      } finally {
        await cleanup();
      }
    });

    test('action alert sends the message and groups repeated alerts for 15 minutes', async () => {
      const { app, user, clock, cleanup } = await setup(kind, { externalPerHour: 2, action: 'alert' });
      try {
        assert.deepEqual(await sendThroughPolicy(app, user, external(3)), { stage: 'sent' });
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), { stage: 'sent' });
        clock.advanceMs(10 * 60_000);
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), { stage: 'sent' });
        let exceeded = (await app.alerts.list()).filter((alert) => alert.type === 'sending-limit-exceeded');
        assert.equal(exceeded.length, 1);
        assert.equal(exceeded[0]?.count, 3);
        clock.advanceMs(16 * 60_000);
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), { stage: 'sent' });
        exceeded = (await app.alerts.list()).filter((alert) => alert.type === 'sending-limit-exceeded');
        assert.equal(exceeded.length, 2, 'a repeat after the grouping window is a new alert');
        assert.equal(await app.outbound.isRestricted(user.id), false);
      } finally {
        await cleanup();
      }
    });

    test('restrict-today lifts itself at 00:00 UTC', async () => {
      const { app, user, clock, cleanup } = await setup(kind, {
        externalPerHour: 1,
        action: 'restrict-today',
      });
      try {
        assert.equal((await sendThroughPolicy(app, user, external(2))).stage, 'rcpt');
        const [restriction] = await app.outbound.listRestricted();
        assert.equal(restriction?.until, '2026-11-28T00:00:00.000Z');
        clock.setMs(Date.parse('2026-11-27T23:59:59Z'));
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), {
          stage: 'mail',
          code: 'sender-restricted',
        });
        clock.setMs(Date.parse('2026-11-28T00:00:00Z'));
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), { stage: 'sent' });
      } finally {
        await cleanup();
      }
    });

    test('more messages per minute than the policy allows are deferred, not restricted', async () => {
      const { app, user, clock, cleanup } = await setup(kind, { perMinute: 2 });
      try {
        clock.setMs(Date.parse('2026-11-27T10:05:00Z'));
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), { stage: 'sent' });
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), { stage: 'sent' });
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), {
          stage: 'mail',
          code: 'rate-limited',
        });
        clock.advanceMs(60_000);
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), { stage: 'sent' });
        assert.equal(await app.outbound.isRestricted(user.id), false);
      } finally {
        await cleanup();
      }
    });

    test('release requires a password change since the restriction and MFA, or --force with a reason', async () => {
      const { app, user, clock, cleanup } = await setup(kind, { externalPerHour: 2 });
      try {
        await sendThroughPolicy(app, user, external(3));
        const noReason = await app.outbound.release(user.address, { reason: '' }, admin);
        assert.equal(noReason.ok, false);
        const refused = await app.outbound.release(user.address, { reason: 'user called' }, admin);
        assert.equal(refused.ok, false);
        assert.ok(!refused.ok && refused.code === 'release-refused');
        assert.deepEqual(!refused.ok && refused.unmetChecks, [
          'the password was not changed since the restriction',
          NO_MFA,
        ]);
        clock.advanceMs(60_000);
        assert.ok((await app.directory.setPassword(user.address, 'a-fresh-password-1', admin)).ok);
        const passwordOnly = await app.outbound.release(user.address, { reason: 'password reset' }, admin);
        assert.deepEqual(!passwordOnly.ok && passwordOnly.unmetChecks, [NO_MFA], 'MFA is still missing');
        assert.ok((await app.identity.mfa.enforce(user.address, admin)).ok);
        const released = await app.outbound.release(
          user.address,
          { reason: 'password reset, phishing reported' },
          admin,
        );
        assert.ok(released.ok, JSON.stringify(released));
        assert.equal(released.restriction.released?.forced, false);
        assert.equal(await app.outbound.isRestricted(user.id), false);
        const records = await app.audit.search({ operations: ['ReleaseSender'] });
        assert.equal(records.records[0]?.actor, 'admin@example.org');
        assert.equal(records.records[0]?.details?.['reason'], 'password reset, phishing reported');
        const again = await app.outbound.release(user.address, { reason: 'twice' }, admin);
        assert.ok(!again.ok && again.code === 'not-restricted');
      } finally {
        await cleanup();
      }
    });

    test('a forced release is audited with the checks it overrode', async () => {
      const { app, user, cleanup } = await setup(kind, { externalPerHour: 2 });
      try {
        await sendThroughPolicy(app, user, external(3));
        const released = await app.outbound.release(
          user.address,
          { reason: 'CEO travelling, verified by phone', force: true },
          admin,
        );
        assert.ok(released.ok);
        assert.equal(released.restriction.released?.forced, true);
        const [record] = (await app.audit.search({ operations: ['ReleaseSender'] })).records;
        assert.deepEqual(record?.details?.['checksOverridden'], [
          'the password was not changed since the restriction',
          NO_MFA,
        ]);
      } finally {
        await cleanup();
      }
    });

    test('after a release the windows restart: the limit is available again, and passing it restricts again with a new alert and a new RestrictSender record', async () => {
      const { app, user, clock, cleanup } = await setup(kind, { externalPerHour: 3, action: 'restrict' });
      try {
        assert.deepEqual(await sendThroughPolicy(app, user, external(3), 'first run'), { stage: 'sent' });
        assert.equal((await sendThroughPolicy(app, user, external(1))).stage, 'rcpt');
        clock.advanceMs(5_000);
        // Released within the same minute as the sends before it: those still must not count.
        const released = await app.outbound.release(user.address, { reason: 'verified', force: true }, admin);
        assert.ok(released.ok, JSON.stringify(released));
        clock.advanceMs(5_000);
        assert.deepEqual(await sendThroughPolicy(app, user, external(2), 'second run'), { stage: 'sent' });
        assert.deepEqual(await sendThroughPolicy(app, user, external(1), 'second run'), { stage: 'sent' });
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), {
          stage: 'rcpt',
          code: 'hourly-limit-reached',
          index: 0,
        });
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), {
          stage: 'mail',
          code: 'sender-restricted',
        });
        const restrictSender = await app.audit.search({ operations: ['RestrictSender'] });
        assert.equal(restrictSender.records.length, 2, 'one RestrictSender record per restriction');
        const restricted = (await app.alerts.list()).filter((alert) => alert.type === 'user-restricted');
        assert.deepEqual(
          restricted.map((alert) => alert.count),
          [1, 1],
          'the second restriction is a new alert, not a repeat counted on the first',
        );
        const exceeded = (await app.alerts.list()).filter((alert) => alert.type === 'sending-limit-exceeded');
        assert.equal(exceeded.length, 2);
        const [latest] = await app.outbound.listRestricted();
        assert.deepEqual(latest?.evidence.counts, { used: 3, limit: 3 });
        assert.deepEqual(latest?.evidence.sampleSubjects, ['second run'], 'evidence since the release');
      } finally {
        await cleanup();
      }
    });

    test('what was sent before a release does not count after it, in the hourly and the daily window', async () => {
      const { app, user, clock, cleanup } = await setup(kind, { externalPerHour: 100, perDay: 10 });
      try {
        assert.deepEqual(await sendThroughPolicy(app, user, external(10)), { stage: 'sent' });
        assert.equal((await sendThroughPolicy(app, user, external(1))).stage, 'rcpt');
        clock.advanceMs(30 * 60_000);
        assert.ok((await app.outbound.release(user.address, { reason: 'verified', force: true }, admin)).ok);
        assert.deepEqual(await sendThroughPolicy(app, user, external(10)), { stage: 'sent' });
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), {
          stage: 'rcpt',
          code: 'daily-limit-reached',
          index: 0,
        });
      } finally {
        await cleanup();
      }
    });

    test('a release survives a restart: a new instance counts from the release, not from before it', async () => {
      const { app, user, clock, cleanup } = await setup(kind, { externalPerHour: 3 });
      try {
        assert.deepEqual(await sendThroughPolicy(app, user, external(3)), { stage: 'sent' });
        assert.equal((await sendThroughPolicy(app, user, external(1))).stage, 'rcpt');
        assert.ok((await app.outbound.release(user.address, { reason: 'verified', force: true }, admin)).ok);
        const { buildApp } = await import('../../src/app.js');
        const { silentLogger } = await import('../../src/runtime/logger.js');
        const second = await buildApp(app.config, { logger: silentLogger, clock });
        try {
          assert.deepEqual(await sendThroughPolicy(second, user, external(3)), { stage: 'sent' });
          assert.deepEqual(await sendThroughPolicy(second, user, external(1)), {
            stage: 'rcpt',
            code: 'hourly-limit-reached',
            index: 0,
          });
          assert.equal(await second.outbound.isRestricted(user.id), true);
        } finally {
          await second.close();
        }
      } finally {
        await cleanup();
      }
    });

    test('restrict-today: the windows restart at midnight, and passing the limit again restricts again with a new alert', async () => {
      const { app, user, clock, cleanup } = await setup(kind, {
        externalPerHour: 3,
        action: 'restrict-today',
      });
      try {
        clock.setMs(Date.parse('2026-11-27T23:55:00Z'));
        assert.deepEqual(await sendThroughPolicy(app, user, external(3)), { stage: 'sent' });
        assert.equal((await sendThroughPolicy(app, user, external(1))).stage, 'rcpt');
        clock.setMs(Date.parse('2026-11-28T00:00:00Z'));
        assert.deepEqual(await sendThroughPolicy(app, user, external(3)), { stage: 'sent' });
        assert.deepEqual(await sendThroughPolicy(app, user, external(1)), {
          stage: 'rcpt',
          code: 'hourly-limit-reached',
          index: 0,
        });
        const restrictions = await app.outbound.restrictionsOf(user.address);
        assert.ok(restrictions.ok);
        assert.deepEqual(
          restrictions.restrictions.map((restriction) => restriction.until),
          ['2026-11-29T00:00:00.000Z', '2026-11-28T00:00:00.000Z'],
        );
        assert.equal((await app.audit.search({ operations: ['RestrictSender'] })).records.length, 2);
        const restricted = (await app.alerts.list()).filter((alert) => alert.type === 'user-restricted');
        assert.deepEqual(
          restricted.map((alert) => alert.count),
          [1, 1],
        );
      } finally {
        await cleanup();
      }
    });

    test('counters live in the store: a restarted instance sees the same counts', async () => {
      const { app, user, clock, cleanup, dataDir } = await setup(kind, { externalPerHour: 5 });
      try {
        assert.deepEqual(await sendThroughPolicy(app, user, external(4)), { stage: 'sent' });
        const { buildApp } = await import('../../src/app.js');
        const { silentLogger } = await import('../../src/runtime/logger.js');
        const second = await buildApp(app.config, { logger: silentLogger, clock });
        try {
          assert.equal((await sendThroughPolicy(second, user, external(2))).stage, 'rcpt');
        } finally {
          await second.close();
        }
        assert.ok(dataDir);
      } finally {
        await cleanup();
      }
    });
  });
}
