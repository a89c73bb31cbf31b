import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { addUser, cliActor, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const PASSWORD = 'correct horse battery staple';

async function userCount(app: App): Promise<number> {
  return (await app.store.db.selectFrom('users').select('id').execute()).length;
}

async function auditCount(app: App): Promise<number> {
  return (await app.store.db.selectFrom('audit_log').select('id').execute()).length;
}

for (const kind of storeKinds) {
  describe(`directory validation on ${kind}`, () => {
    let harness: TestApp;
    let app: App;

    before(async () => {
      harness = await createTestApp(kind);
      app = harness.app;
      await addUser(app, 'alice@example.org', PASSWORD);
      await addUser(app, 'bob@example.org', PASSWORD);
      const alias = await app.directory.addAlias('alice@example.org', 'sales@example.org', cliActor);
      assert.ok(alias.ok);
    });
    after(async () => {
      await harness.cleanup();
    });

    /** Runs a change that must fail with `code` and asserts it left no user and no audit record. */
    async function assertRefused(change: () => Promise<{ ok: boolean; code?: string }>, code: string) {
      const users = await userCount(app);
      const records = await auditCount(app);
      const outcome = await change();
      assert.equal(outcome.ok, false);
      assert.equal(outcome.code, code);
      assert.equal(await userCount(app), users, 'no user was added');
      assert.equal(await auditCount(app), records, 'no audit record was written');
    }

    test('refuses a malformed address with invalid-address', async () => {
      for (const address of [
        'not-an-address',
        '@example.org',
        'carol@',
        'carol@localhost',
        'carol@example',
        'ca rol@example.org',
        'carol..x@example.org',
        '.carol@example.org',
        'carol@exa_mple.org',
        'carol@-example.org',
        'carol@example.123',
        `${'c'.repeat(65)}@example.org`,
      ]) {
        await assertRefused(
          () => app.directory.createUser({ address, password: PASSWORD }, cliActor),
          'invalid-address',
        );
      }
      await assertRefused(
        () => app.directory.addAlias('bob@example.org', 'bob@@example.org', cliActor),
        'invalid-address',
      );
    });

    test('refuses an address in a domain the organization does not own with domain-not-owned', async () => {
      await assertRefused(
        () => app.directory.createUser({ address: 'carol@other.test', password: PASSWORD }, cliActor),
        'domain-not-owned',
      );
      await assertRefused(
        () => app.directory.createUser({ address: 'carol@sub.example.org', password: PASSWORD }, cliActor),
        'domain-not-owned',
      );
      await assertRefused(
        () => app.directory.addAlias('bob@example.org', 'bob@other.test', cliActor),
        'domain-not-owned',
      );
    });

    test('refuses a second user with the same address, also in another letter case, with address-taken', async () => {
      await assertRefused(
        () => app.directory.createUser({ address: 'alice@example.org', password: PASSWORD }, cliActor),
        'address-taken',
      );
      await assertRefused(
        () => app.directory.createUser({ address: 'ALICE@Example.ORG', password: PASSWORD }, cliActor),
        'address-taken',
      );
      await assertRefused(
        () => app.directory.createUser({ address: '  Alice@example.org ', password: PASSWORD }, cliActor),
        'address-taken',
      );
    });

    test('refuses a user whose address is another user’s alias with address-taken', async () => {
      await assertRefused(
        () => app.directory.createUser({ address: 'Sales@example.org', password: PASSWORD }, cliActor),
        'address-taken',
      );
    });

    test('refuses an alias that is another user’s address or alias with address-taken', async () => {
      await assertRefused(
        () => app.directory.addAlias('bob@example.org', 'alice@example.org', cliActor),
        'address-taken',
      );
      await assertRefused(
        () => app.directory.addAlias('bob@example.org', 'ALICE@example.org', cliActor),
        'address-taken',
      );
      await assertRefused(
        () => app.directory.addAlias('bob@example.org', 'sales@example.org', cliActor),
        'address-taken',
      );
      await assertRefused(
        () => app.directory.addAlias('alice@example.org', 'alice@example.org', cliActor),
        'address-taken',
      );
      const bob = await app.directory.findUser('bob@example.org');
      assert.deepEqual(bob?.aliases, []);
    });

    test('refuses a password under 12 characters with weak-password', async () => {
      for (const password of ['', 'short', 'eleven-char', 'ééééééééééé']) {
        assert.ok([...password].length < 12);
        await assertRefused(
          () => app.directory.createUser({ address: 'dave@example.org', password }, cliActor),
          'weak-password',
        );
        await assertRefused(
          () => app.directory.setPassword('bob@example.org', password, cliActor),
          'weak-password',
        );
      }
      const twelve = await app.directory.createUser(
        { address: 'dave@example.org', password: 'twelve-chars' },
        cliActor,
      );
      assert.ok(twelve.ok, 'exactly 12 characters is enough');
    });

    test('reports a change to an unknown user with user-not-found', async () => {
      await assertRefused(
        () => app.directory.setDisabled('nobody@example.org', true, cliActor),
        'user-not-found',
      );
      await assertRefused(
        () => app.directory.addAlias('nobody@example.org', 'x@example.org', cliActor),
        'user-not-found',
      );
      await assertRefused(
        () => app.directory.updateUser('nobody@example.org', { role: 'admin' }, cliActor),
        'user-not-found',
      );
    });

    test('refuses an invalid or existing domain', async () => {
      const invalid = await app.directory.addDomain('not a domain', cliActor);
      assert.equal(invalid.ok ? 'ok' : invalid.code, 'invalid-domain');
      const existing = await app.directory.addDomain('EXAMPLE.org.', cliActor);
      assert.equal(existing.ok ? 'ok' : existing.code, 'domain-exists');
      assert.deepEqual(
        (await app.directory.listDomains()).map((domain) => domain.name),
        ['example.org'],
      );
    });

    test('stores and finds addresses in lower case', async () => {
      const created = await app.directory.createUser(
        { address: 'Erin.Smith@Example.org', password: PASSWORD },
        cliActor,
      );
      assert.ok(created.ok);
      assert.equal(created.user.address, 'erin.smith@example.org');
      assert.equal((await app.directory.findUser('ERIN.SMITH@example.org'))?.id, created.user.id);
      assert.equal((await app.directory.findUser('SALES@example.org'))?.address, 'alice@example.org');
    });

    test('two concurrent creations of the same address: one user, the other gets address-taken', async () => {
      const outcomes = await Promise.all(
        [0, 1, 2, 3].map(() =>
          app.directory.createUser({ address: 'frank@example.org', password: PASSWORD }, cliActor),
        ),
      );
      assert.equal(outcomes.filter((outcome) => outcome.ok).length, 1);
      assert.deepEqual(
        outcomes.filter((outcome) => !outcome.ok).map((outcome) => (outcome.ok ? '' : outcome.code)),
        ['address-taken', 'address-taken', 'address-taken'],
      );
    });

    test('concurrent aliases of the same address on different users: exactly one wins', async () => {
      const owners = ['alice@example.org', 'bob@example.org', 'dave@example.org', 'erin.smith@example.org'];
      const outcomes = await Promise.all(
        owners.map((owner) => app.directory.addAlias(owner, 'billing@example.org', cliActor)),
      );
      assert.equal(outcomes.filter((outcome) => outcome.ok).length, 1);
      assert.ok(outcomes.every((outcome) => outcome.ok || outcome.code === 'address-taken'));
      const records = await app.audit.search({ operations: ['AddAlias'], limit: 100 });
      assert.equal(
        records.records.filter((record) => record.details?.['alias'] === 'billing@example.org').length,
        1,
      );
      const verified = await app.audit.verify();
      assert.ok(verified.ok, JSON.stringify(verified));
    });
  });
}
