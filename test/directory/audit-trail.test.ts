import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { App } from '../../src/app.js';
import type { Actor, AuditRecord } from '../../src/audit/index.js';
import { createPasswordHasher } from '../../src/identity/index.js';
import { createTestApp, type StoreKind, storeKinds, type TestApp } from '../support/test-app.js';

const admin: Actor = {
  actor: 'admin@example.org',
  logonType: 'admin',
  clientIp: '192.0.2.44',
  clientInfo: 'mailwarden-test/1.0',
  protocol: 'http',
};
const PASSWORD = 'correct horse battery staple';

/** Runs a change and returns the audit records it wrote. */
async function recordsOf(app: App, change: () => Promise<{ ok: boolean }>): Promise<AuditRecord[]> {
  const head = await app.store.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  const headId = Number(head?.id ?? 0);
  await change();
  const page = await app.audit.search({ limit: 1000 });
  return page.records.filter((record) => record.id > headId).reverse();
}

async function assertOneRecord(
  app: App,
  operation: string,
  change: () => Promise<{ ok: boolean }>,
  mailbox: string | null,
): Promise<AuditRecord> {
  const records = await recordsOf(app, async () => {
    const outcome = await change();
    assert.ok(outcome.ok, `${operation}: ${JSON.stringify(outcome)}`);
    return outcome;
  });
  assert.equal(records.length, 1, `${operation} leaves exactly one audit record`);
  const record = records[0]!;
  assert.equal(record.operation, operation);
  assert.equal(record.result, 'success');
  assert.equal(record.mailbox, mailbox);
  assert.equal(record.actor, admin.actor);
  assert.equal(record.logonType, admin.logonType);
  assert.equal(record.clientIp, admin.clientIp);
  assert.equal(record.clientInfo, admin.clientInfo);
  assert.equal(record.protocol, admin.protocol);
  return record;
}

async function assertNoRecord(app: App, change: () => Promise<{ ok: boolean }>) {
  const records = await recordsOf(app, change);
  assert.deepEqual(records, []);
}

/** Makes every INSERT into audit_log fail, as a full disk or a broken audit store would. */
async function breakAuditInserts(kind: StoreKind, app: App): Promise<() => Promise<void>> {
  if (kind === 'sqlite') {
    await sql`create trigger audit_log_broken before insert on audit_log
              begin select raise(abort, 'audit store unavailable'); end`.execute(app.store.db);
    return async () => {
      await sql`drop trigger audit_log_broken`.execute(app.store.db);
    };
  }
  await sql`create function audit_log_broken() returns trigger language plpgsql as $$
            begin raise exception 'audit store unavailable'; end $$`.execute(app.store.db);
  await sql`create trigger audit_log_broken before insert on audit_log
            for each row execute function audit_log_broken()`.execute(app.store.db);
  return async () => {
    await sql`drop trigger audit_log_broken on audit_log`.execute(app.store.db);
    await sql`drop function audit_log_broken()`.execute(app.store.db);
  };
}

for (const kind of storeKinds) {
  describe(`directory changes are audited on ${kind}`, () => {
    let harness: TestApp;
    let app: App;
    before(async () => {
      harness = await createTestApp(kind);
      app = harness.app;
    });
    after(async () => {
      await harness.cleanup();
    });

    test('every change leaves exactly one audit record naming the actor', async () => {
      const directory = app.directory;
      const domain = await assertOneRecord(
        app,
        'AddDomain',
        () => directory.addDomain('example.org', admin),
        null,
      );
      assert.deepEqual(domain.details, { name: 'example.org' });

      const user = await assertOneRecord(
        app,
        'AddUser',
        () =>
          directory.createUser(
            { address: 'alice@example.org', password: PASSWORD, displayName: 'Alice' },
            admin,
          ),
        'alice@example.org',
      );
      assert.deepEqual(user.details, { role: 'user', displayName: 'Alice' });

      const alias = await assertOneRecord(
        app,
        'AddAlias',
        () => directory.addAlias('alice@example.org', 'Sales@example.org', admin),
        'alice@example.org',
      );
      assert.deepEqual(alias.details, { alias: 'sales@example.org' });

      await assertOneRecord(
        app,
        'SetPassword',
        () => directory.setPassword('sales@example.org', 'another long password', admin),
        'alice@example.org',
      );
      await assertOneRecord(
        app,
        'DisableUser',
        () => directory.setDisabled('alice@example.org', true, admin),
        'alice@example.org',
      );
      await assertOneRecord(
        app,
        'EnableUser',
        () => directory.setDisabled('alice@example.org', false, admin),
        'alice@example.org',
      );
      const update = await assertOneRecord(
        app,
        'UpdateUser',
        () =>
          directory.updateUser('alice@example.org', { displayName: 'Alice Liddell', role: 'admin' }, admin),
        'alice@example.org',
      );
      assert.deepEqual(update.details, {
        before: { displayName: 'Alice', role: 'user' },
        after: { displayName: 'Alice Liddell', role: 'admin' },
      });
      const created = await assertOneRecord(
        app,
        'CreateApiToken',
        () => directory.createApiToken({ name: 'ops', role: 'auditor' }, admin),
        null,
      );
      assert.deepEqual(created.details, { name: 'ops', role: 'auditor' });
      await assertOneRecord(app, 'RevokeApiToken', () => directory.revokeApiToken('ops', admin), null);

      const verified = await app.audit.verify();
      assert.ok(verified.ok, JSON.stringify(verified));
    });

    test('a refused change leaves no audit record', async () => {
      const directory = app.directory;
      await assertNoRecord(app, () => directory.addDomain('example.org', admin));
      await assertNoRecord(app, () => directory.addDomain('not a domain', admin));
      await assertNoRecord(app, () =>
        directory.createUser({ address: 'alice@example.org', password: PASSWORD }, admin),
      );
      await assertNoRecord(app, () =>
        directory.createUser({ address: 'bob@other.test', password: PASSWORD }, admin),
      );
      await assertNoRecord(app, () =>
        directory.createUser({ address: 'bob@example.org', password: 'short' }, admin),
      );
      await assertNoRecord(app, () => directory.addAlias('alice@example.org', 'sales@example.org', admin));
      await assertNoRecord(app, () => directory.setPassword('alice@example.org', 'short', admin));
      await assertNoRecord(app, () => directory.setDisabled('nobody@example.org', true, admin));
      await assertNoRecord(app, () => directory.createApiToken({ name: 'ops', role: 'admin' }, admin));
      await assertNoRecord(app, () => directory.createApiToken({ name: 'bad name!', role: 'admin' }, admin));
      await assertNoRecord(app, () => directory.revokeApiToken('no-such-token', admin));
    });

    test('a change that changes nothing leaves no audit record', async () => {
      await assertNoRecord(app, () => app.directory.setDisabled('alice@example.org', false, admin));
      await assertNoRecord(app, () => app.directory.revokeApiToken('ops', admin));
    });

    test('a change whose audit record cannot be written is not made (same transaction)', async () => {
      const repair = await breakAuditInserts(kind, app);
      try {
        await assert.rejects(app.directory.addDomain('example.net', admin), /audit store unavailable/);
        await assert.rejects(
          app.directory.createUser({ address: 'bob@example.org', password: PASSWORD }, admin),
          /audit store unavailable/,
        );
        await assert.rejects(
          app.directory.addAlias('alice@example.org', 'billing@example.org', admin),
          /audit store unavailable/,
        );
        await assert.rejects(
          app.directory.setDisabled('alice@example.org', true, admin),
          /audit store unavailable/,
        );
        await assert.rejects(
          app.directory.setPassword('alice@example.org', 'a password never stored', admin),
          /audit store unavailable/,
        );
        await assert.rejects(
          app.directory.createApiToken({ name: 'ghost', role: 'admin' }, admin),
          /audit store unavailable/,
        );
      } finally {
        await repair();
      }
      assert.deepEqual(
        (await app.directory.listDomains()).map((domain) => domain.name),
        ['example.org'],
      );
      assert.equal(await app.directory.findUser('bob@example.org'), null);
      const alice = await app.directory.findUser('alice@example.org');
      assert.deepEqual(alice?.aliases, ['sales@example.org']);
      assert.equal(alice?.disabled, false);
      assert.deepEqual(
        (await app.directory.listApiTokens()).map((token) => token.name),
        ['ops'],
      );
      const login = await app.directory.findLoginRow('alice@example.org');
      assert.equal(await createPasswordHasher().verify(login!.password_hash!, 'another long password'), true);
      const verified = await app.audit.verify();
      assert.ok(verified.ok, JSON.stringify(verified));
    });
  });
}
