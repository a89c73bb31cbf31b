import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };

for (const kind of storeKinds) {
  describe(`sending policies (${kind})`, () => {
    let testApp: TestApp;
    before(async () => {
      testApp = await createTestApp(kind);
      await addUser(testApp.app, 'alice@example.org');
      await addUser(testApp.app, 'bob@example.net');
      assert.ok((await testApp.app.directory.addGroup('sales', admin)).ok);
      assert.ok((await testApp.app.directory.addGroupMember('sales', 'alice@example.org', admin)).ok);
    });
    after(async () => {
      await testApp.cleanup();
    });

    test('the default policy exists with the documented defaults and comes last', async () => {
      const policies = await testApp.app.outbound.listPolicies();
      const last = policies.at(-1)!;
      assert.equal(last.name, 'default');
      assert.equal(last.settings.externalPerHour, 500);
      assert.equal(last.settings.internalPerHour, 1000);
      assert.equal(last.settings.perDay, 1000);
      assert.equal(last.settings.perMessage, 500);
      assert.equal(last.settings.perMinute, 30);
      assert.equal(last.settings.action, 'restrict');
    });

    test('refuses out-of-range values naming each field and its allowed range', async () => {
      const outcome = await testApp.app.outbound.setPolicy(
        'default',
        { settings: { perMessage: 5000, action: 'shout', externalPerHour: 0 } },
        admin,
      );
      assert.equal(outcome.ok, false);
      assert.ok(!outcome.ok);
      assert.match(outcome.message, /perMessage: must be a whole number from 1 to 1000 \(got 5000\)/);
      assert.match(outcome.message, /action: must be one of restrict, restrict-today, alert/);
      assert.match(outcome.message, /externalPerHour: must be a whole number from 1 to 1000000/);
    });

    test('first matching policy by priority wins; user, group and domain scopes all match; default last', async () => {
      const { outbound } = testApp.app;
      assert.ok(
        (
          await outbound.setPolicy(
            'by-domain',
            { settings: { perDay: 300 }, scope: { domains: ['example.net'] }, priority: 30 },
            admin,
          )
        ).ok,
      );
      assert.ok(
        (
          await outbound.setPolicy(
            'by-group',
            { settings: { perDay: 200 }, scope: { groups: ['sales'] }, priority: 20 },
            admin,
          )
        ).ok,
      );
      assert.equal((await outbound.effectivePolicy('alice@example.org'))?.name, 'by-group');
      assert.equal((await outbound.effectivePolicy('bob@example.net'))?.name, 'by-domain');
      assert.ok(
        (
          await outbound.setPolicy(
            'vip',
            { settings: { perDay: 5000 }, scope: { users: ['alice@example.org'] }, priority: 10 },
            admin,
          )
        ).ok,
      );
      assert.equal((await outbound.effectivePolicy('alice@example.org'))?.name, 'vip');
      assert.ok((await outbound.deletePolicy('vip', admin)).ok);
      assert.equal((await outbound.effectivePolicy('alice@example.org'))?.name, 'by-group');
      assert.ok((await outbound.deletePolicy('by-group', admin)).ok);
      assert.ok((await outbound.deletePolicy('by-domain', admin)).ok);
      assert.equal((await outbound.effectivePolicy('alice@example.org'))?.name, 'default');
    });

    test('every change is audited with a new version; the default policy cannot be deleted or scoped', async () => {
      const { outbound, audit } = testApp.app;
      const first = await outbound.setPolicy('default', { settings: { perMinute: 60 } }, admin);
      const second = await outbound.setPolicy('default', { settings: { perMinute: 90 } }, admin);
      assert.ok(first.ok && second.ok);
      assert.equal(second.policy.version, first.policy.version + 1);
      assert.equal(second.policy.settings.perMinute, 90);
      const records = await audit.search({ operations: ['SetSendingPolicy'] });
      assert.equal(records.records[0]?.details?.['version'], second.policy.version);
      assert.ok(!(await outbound.deletePolicy('default', admin)).ok);
      assert.ok(
        !(await outbound.setPolicy('default', { scope: { users: ['alice@example.org'] } }, admin)).ok,
      );
      const unscoped = await outbound.setPolicy('nobody', { settings: { perDay: 5 } }, admin);
      assert.ok(!unscoped.ok && /applies to nobody/.test(unscoped.message));
    });
  });
}
