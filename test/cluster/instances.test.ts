import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type App, buildApp } from '../../src/app.js';
import { insertRestriction } from '../../src/outbound/restrictions.js';
import { silentLogger } from '../../src/runtime/logger.js';
import type { ChangeTopic } from '../../src/store/index.js';
import { addUser, cliActor, createPostgresDatabase, makeTempDir, testConfig } from '../support/test-app.js';

/**
 * Three Mailwarden instances (three buildApp, each with its own pool, change feed and data folder) on
 * one PostgreSQL database: what one instance changes, the others act on at the next sign-in or command.
 */
describe('three instances on one PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  const temps: { dir: string; remove(): void }[] = [];
  const apps: App[] = [];
  const password = 'correct horse battery staple';

  before(async () => {
    database = await createPostgresDatabase();
    for (let index = 0; index < 3; index++) {
      const temp = makeTempDir();
      temps.push(temp);
      apps.push(
        await buildApp(testConfig({ dataDir: temp.dir, databaseUrl: database.url }), {
          logger: silentLogger,
        }),
      );
    }
  });
  after(async () => {
    for (const app of apps) await app.close();
    await database.drop();
    for (const temp of temps) temp.remove();
  });

  /** Resolves when `app` has heard `topic` change (from any instance). */
  const heard = (app: App, topic: ChangeTopic) =>
    new Promise<void>((resolve) => {
      const stop = app.store.changes.subscribe(topic, () => {
        stop();
        resolve();
      });
    });
  const listening = async (app: App) => {
    // Subscribing opens the listening connection; wait until it listens.
    const stop = app.store.changes.subscribe('settings', () => {});
    while (!app.store.changes.listening()) await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
  };
  // Mail protocols take app passwords only (by default); the account password signs in on the web.
  const signIn = (app: App, login: string, secret: string, clientIp = '192.0.2.10') =>
    app.identity.signIn({ login, secret, protocol: secret === password ? 'web' : 'smtp', clientIp });

  test('a setting changed through one instance is what the others read at once', async () => {
    const [a, b, c] = apps as [App, App, App];
    await Promise.all([listening(b), listening(c)]);
    const before = await b.settings.get('audit.retentionDays');
    await c.settings.get('audit.retentionDays');
    const changed = before === 200 ? 201 : 200;
    const bHeard = heard(b, 'settings');
    const cHeard = heard(c, 'settings');
    const outcome = await a.settings.change({ 'audit.retentionDays': changed }, cliActor);
    assert.equal(outcome.ok, true);
    await Promise.all([bHeard, cHeard]);
    assert.equal(await b.settings.get('audit.retentionDays'), changed);
    assert.equal(await c.settings.get('audit.retentionDays'), changed);
  });

  test('a sending policy changed through one instance applies on the others at the next message', async () => {
    const [a, b] = apps as [App, App, App];
    await listening(b);
    await addUser(a, 'policy@cluster.test', password);
    const first = await b.outbound.effectivePolicy('policy@cluster.test');
    assert.ok(first);
    const perMinute = first.settings.perMinute === 7 ? 8 : 7;
    const bHeard = heard(b, 'policies');
    const changed = await a.outbound.setPolicy('default', { settings: { perMinute } }, cliActor);
    assert.equal(changed.ok, true, JSON.stringify(changed));
    await bHeard;
    assert.equal((await b.outbound.effectivePolicy('policy@cluster.test'))?.settings.perMinute, perMinute);
  });

  test('a password changed through one instance ends the old password on every instance', async () => {
    const [a, b, c] = apps as [App, App, App];
    await addUser(a, 'moved@cluster.test', password);
    // b and c remember the verified password.
    assert.equal((await signIn(b, 'moved@cluster.test', password)).ok, true);
    assert.equal((await signIn(c, 'moved@cluster.test', password)).ok, true);
    const changed = await a.directory.setPassword(
      'moved@cluster.test',
      'a different long passphrase 42',
      cliActor,
    );
    assert.equal(changed.ok, true);
    assert.equal((await signIn(b, 'moved@cluster.test', password)).ok, false);
    assert.equal((await signIn(c, 'moved@cluster.test', password)).ok, false);
    const renewed = await b.identity.signIn({
      login: 'moved@cluster.test',
      secret: 'a different long passphrase 42',
      protocol: 'web',
      clientIp: '192.0.2.10',
    });
    assert.equal(renewed.ok, true);
  });

  test('an account disabled through one instance cannot sign in on the others', async () => {
    const [a, b, c] = apps as [App, App, App];
    await addUser(a, 'leaver@cluster.test', password);
    assert.equal((await signIn(b, 'leaver@cluster.test', password)).ok, true);
    const disabled = await a.directory.setDisabled('leaver@cluster.test', true, cliActor);
    assert.equal(disabled.ok, true);
    assert.equal((await signIn(b, 'leaver@cluster.test', password)).ok, false);
    assert.equal((await signIn(c, 'leaver@cluster.test', password)).ok, false);
  });

  test('an app password revoked through one instance is refused on the others', async () => {
    const [a, b, c] = apps as [App, App, App];
    await addUser(a, 'phone@cluster.test', password);
    const created = await a.identity.createAppPassword(
      'phone@cluster.test',
      { name: 'phone', scopes: ['smtp'] },
      cliActor,
    );
    assert.ok(created.ok, JSON.stringify(created));
    assert.equal((await signIn(b, 'phone@cluster.test', created.password)).ok, true);
    const revoked = await c.identity.revokeAppPassword('phone@cluster.test', 'phone', cliActor);
    assert.equal(revoked.ok, true);
    assert.equal((await signIn(b, 'phone@cluster.test', created.password)).ok, false);
    assert.equal((await signIn(a, 'phone@cluster.test', created.password)).ok, false);
  });

  test('a lockout earned through one instance holds on the others', async () => {
    const [a, b, c] = apps as [App, App, App];
    await addUser(a, 'target@cluster.test', password);
    let locked = false;
    for (let attempt = 0; attempt < 50 && !locked; attempt++) {
      const outcome = await signIn(a, 'target@cluster.test', `wrong guess ${attempt}`, '198.51.100.7');
      locked = !outcome.ok && outcome.retryAfterSeconds !== undefined;
    }
    assert.equal(locked, true, 'the account was never locked on the first instance');
    const onB = await signIn(b, 'target@cluster.test', password, '198.51.100.7');
    assert.equal(onB.ok, false);
    const onC = await signIn(c, 'target@cluster.test', password, '198.51.100.7');
    assert.equal(onC.ok, false);
  });

  test('a restriction made through one instance refuses the next message on the others', async () => {
    const [a, b, c] = apps as [App, App, App];
    const added = await addUser(a, 'sender@cluster.test', password);
    const user = { id: added.id, address: 'sender@cluster.test' };
    assert.equal((await b.outbound.beginMessage(user)).ok, true);
    await a.store.writeTransaction((trx) =>
      insertRestriction(trx, a.audit, {
        userId: user.id,
        mailbox: user.address,
        reason: 'daily-limit',
        policyName: 'default',
        action: 'restrict',
        nowMs: Date.now(),
        evidence: {} as never,
      }),
    );
    for (const app of [b, c]) {
      const outcome = await app.outbound.beginMessage(user);
      assert.equal(outcome.ok, false);
      assert.equal(!outcome.ok && outcome.code, 'sender-restricted');
    }
  });

  test('the audit log written by every instance is one chain that verifies', async () => {
    await Promise.all(
      apps.map((app, index) =>
        Promise.all(
          Array.from({ length: 10 }, (_, n) => addUser(app, `writer${index}-${n}@cluster.test`, password)),
        ),
      ),
    );
    for (const app of apps) await app.audit.flush();
    const verified = await apps[1]!.audit.verify();
    assert.equal(verified.ok, true, JSON.stringify(verified).slice(0, 500));
  });

  test('a rolled-back change is announced to no instance', async () => {
    const [a, b] = apps as [App, App, App];
    await listening(b);
    let heardAccounts = 0;
    const stop = b.store.changes.subscribe('accounts', () => {
      heardAccounts++;
    });
    await assert.rejects(
      a.store.writeTransaction(async (trx) => {
        await a.store.changes.announce(trx, 'accounts');
        throw new Error('rolled back');
      }),
    );
    // A committed announcement after it: once b hears that one, the first would have arrived before.
    const bHeard = heard(b, 'settings');
    await a.store.writeTransaction((trx) => a.store.changes.announce(trx, 'settings'));
    await bHeard;
    stop();
    assert.equal(heardAccounts, 0);
  });

  test('an instance whose listening connection is cut drops its caches, listens again and hears the next change', async () => {
    const [a, b] = apps as [App, App, App];
    await listening(b);
    const dropped = heard(b, 'settings');
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const cut = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'`,
      );
      assert.ok(cut.rowCount !== null && cut.rowCount >= 1);
    } finally {
      await admin.end();
    }
    await dropped;
    await listening(b);
    const bHeard = heard(b, 'policies');
    await a.store.writeTransaction((trx) => a.store.changes.announce(trx, 'policies'));
    await bHeard;
  });
});
