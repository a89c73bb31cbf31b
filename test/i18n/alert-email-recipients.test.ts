import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createManualClock } from '../../src/runtime/clock.js';
import { raiseAlert } from '../notify/raise-alert.js';
import { readEmail } from '../notify/received-email.js';
import { addUser, cliActor, createTestApp } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';
import { englishIn } from './english-text.js';

const START = Date.parse('2026-12-07T16:41:00Z');

/** The prose of an email: without the commands and what senders wrote (quoted), which stay as typed. */
const prose = (text: string) =>
  text
    .split('\n')
    .filter((line) => !/mailwarden |"/.test(line))
    .join('\n');

describe('alert emails in each recipient’s language', () => {
  test('an admin whose locale is nl gets Dutch, an English admin English, the rest the org’s; dated evidence in the org’s zone', async () => {
    const upstream = await startUpstreamServer();
    const testApp = await createTestApp('sqlite', {
      clock: createManualClock(START),
      overrides: { 'relay.url': `smtp://127.0.0.1:${upstream.port}` },
    });
    try {
      const { app } = testApp;
      await addUser(app, 'alice@example.org');
      await addUser(app, 'anna@example.org', 'admin-password-123', { role: 'admin' });
      await addUser(app, 'ed@example.org', 'admin-password-123', { role: 'admin' });
      await addUser(app, 'olga@example.org', 'admin-password-123', { role: 'admin' });
      assert.ok((await app.directory.updateUser('anna@example.org', { locale: 'nl' }, cliActor)).ok);
      assert.ok((await app.directory.updateUser('ed@example.org', { locale: 'en' }, cliActor)).ok);
      // The organization's default is Dutch: Olga, who chose nothing, reads Dutch; Ed chose English.
      assert.ok((await app.settings.change({ locale: 'nl', timeZone: 'Europe/Amsterdam' }, cliActor)).ok);
      await raiseAlert(app, {
        type: 'audit-log-cut',
        mailbox: null,
        evidence: { anchoredAt: '2026-12-07T15:02:03.456Z', firstMissingId: 'r-42' },
      });
      await app.notifier.runDueDeliveries();
      const byRecipient = new Map(
        upstream.received.map((message) => [message.to[0]!, readEmail(message.raw)]),
      );
      assert.deepEqual([...byRecipient.keys()].sort(), [
        'anna@example.org',
        'ed@example.org',
        'olga@example.org',
      ]);
      const anna = byRecipient.get('anna@example.org')!;
      const ed = byRecipient.get('ed@example.org')!;
      const olga = byRecipient.get('olga@example.org')!;
      assert.match(anna.text, /Wat er is gebeurd/);
      assert.deepEqual(englishIn(prose(anna.text)), []);
      assert.equal(olga.text, anna.text, 'no choice of her own: the organization’s Dutch');
      assert.match(ed.text, /What happened/);
      assert.doesNotMatch(ed.text, /Wat er is gebeurd/);
      // The evidence's ISO moment, written each reader's way in Amsterdam time; never raw.
      assert.match(anna.text, /anchoredAt: 7 dec\.? 2026.*16:02 CET/);
      assert.match(ed.text, /anchoredAt: 7 Dec 2026.*16:02 CET/);
      for (const email of [anna, ed]) assert.doesNotMatch(email.text, /2026-12-07T/);
    } finally {
      await testApp.cleanup();
      await upstream.stop();
    }
  });
});
