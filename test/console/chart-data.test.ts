import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { sendThroughPolicy } from '../outbound/send-helper.js';
import { addUser, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const PASSWORD = 'lantern-orchard-piano';
/** Located with the shipped DB-IP City Lite data (test/identity/lockout-and-risk.test.ts). */
const LONDON = '81.2.69.142';
const MOSCOW = '77.88.55.80';
const TOKYO = '133.242.0.1';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-12-07T18:20:00Z');

for (const kind of storeKinds) {
  describe(`the charts' data, read in bounded windows (${kind})`, () => {
    let testApp: TestApp;
    let app: App;
    const clock = createManualClock(NOW);

    before(async () => {
      testApp = await createTestApp(kind, { clock });
      app = testApp.app;
    });
    after(() => testApp.cleanup());

    test('sending per clock hour: the last 48 hours only, internal and external recipients apart', async () => {
      const alice = await addUser(app, 'alice@example.org', PASSWORD);
      await addUser(app, 'bob@example.org', PASSWORD);
      clock.setMs(NOW - 50 * HOUR);
      assert.deepEqual(await sendThroughPolicy(app, alice, ['a@customer.test', 'b@customer.test']), {
        stage: 'sent',
      });
      clock.setMs(Date.parse('2026-12-07T15:05:00Z'));
      await sendThroughPolicy(app, alice, ['bob@example.org', 'a@customer.test', 'b@customer.test']);
      clock.setMs(Date.parse('2026-12-07T15:55:00Z'));
      await sendThroughPolicy(app, alice, ['c@customer.test', 'd@customer.test', 'e@customer.test']);
      clock.setMs(NOW);
      await sendThroughPolicy(app, alice, ['f@customer.test']);

      const sending = await app.outbound.sendingPerHour('alice@example.org', 48);
      assert.ok(sending.ok);
      assert.deepEqual(sending.hours, [
        {
          hourStartMs: Date.parse('2026-12-07T15:00:00Z'),
          messages: 2,
          internalRecipients: 1,
          externalRecipients: 5,
        },
        {
          hourStartMs: Date.parse('2026-12-07T18:00:00Z'),
          messages: 1,
          internalRecipients: 0,
          externalRecipients: 1,
        },
      ]);
      assert.equal(sending.policy.name, 'default');
      assert.equal(typeof sending.policy.settings.externalPerHour, 'number');
      // A wider window reaches the older hour; an unknown account is refused, not an empty chart.
      const wider = await app.outbound.sendingPerHour('alice@example.org', 72);
      assert.ok(wider.ok);
      assert.equal(wider.hours.length, 3);
      const unknown = await app.outbound.sendingPerHour('nobody@example.org');
      assert.equal(unknown.ok, false);
    });

    test('sign-ins by country and result: the user’s own, since the window’s start, unplaced ones apart', async () => {
      const carol = await addUser(app, 'carol@example.org', PASSWORD);
      const dan = await addUser(app, 'dan@example.org', PASSWORD);
      const signIn = async (login: string, secret: string, clientIp: string) => {
        clock.advanceMs(MINUTE);
        return app.identity.signIn({ login, secret, protocol: 'web', clientIp });
      };
      clock.setMs(NOW - 40 * DAY);
      assert.ok((await signIn(carol.address, PASSWORD, TOKYO)).ok);
      clock.setMs(NOW - 2 * DAY);
      assert.ok((await signIn(carol.address, PASSWORD, LONDON)).ok);
      assert.ok((await signIn(carol.address, PASSWORD, LONDON)).ok);
      assert.ok((await signIn(carol.address, PASSWORD, '10.0.0.7')).ok);
      for (let i = 0; i < 3; i++) assert.equal((await signIn(carol.address, `wrong-${i}`, MOSCOW)).ok, false);
      assert.ok((await signIn(dan.address, PASSWORD, TOKYO)).ok);
      clock.setMs(NOW);

      assert.deepEqual(await app.identity.signInsByCountry(carol.id, NOW - 30 * DAY), [
        { country: 'RU', result: 'failure', signIns: 3 },
        { country: 'GB', result: 'success', signIns: 2 },
        { country: null, result: 'success', signIns: 1 },
      ]);
      assert.deepEqual(await app.identity.signInsByCountry(carol.id, NOW - 41 * DAY), [
        { country: 'RU', result: 'failure', signIns: 3 },
        { country: 'GB', result: 'success', signIns: 2 },
        { country: 'JP', result: 'success', signIns: 1 },
        { country: null, result: 'success', signIns: 1 },
      ]);
    });

    test('alerts raised per quarter hour and severity, since the window’s start; a grouped repeat is one alert', async () => {
      const raise = (type: 'user-restricted' | 'suspicious-sending', mailbox: string) =>
        app.store.writeTransaction((trx) => app.alerts.raiseWithin(trx, { type, mailbox, evidence: {} }));
      // The sign-ins above raised their own (a suspicious sign-in): they stay in the counts.
      const before = await app.alerts.raisedCounts(NOW - 30 * DAY);
      clock.setMs(NOW - 31 * DAY);
      await raise('user-restricted', 'erin@example.org');
      clock.setMs(Date.parse('2026-12-05T09:07:00Z'));
      await raise('user-restricted', 'erin@example.org');
      clock.setMs(Date.parse('2026-12-05T09:08:00Z'));
      const repeat = await raise('user-restricted', 'erin@example.org');
      assert.equal(repeat.isNew, false);
      await raise('user-restricted', 'fay@example.org');
      clock.setMs(NOW);
      await raise('suspicious-sending', 'erin@example.org');

      assert.deepEqual(
        await app.alerts.raisedCounts(NOW - 30 * DAY),
        [
          ...before,
          { slotStartMs: Date.parse('2026-12-05T09:00:00Z'), severity: 'high', alerts: 2 },
          { slotStartMs: Date.parse('2026-12-07T18:15:00Z'), severity: 'medium', alerts: 1 },
        ].sort((a, b) => a.slotStartMs - b.slotStartMs),
      );
    });
  });
}
