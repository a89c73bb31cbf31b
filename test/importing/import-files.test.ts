import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { createTestApp, makeTempDir, storeKinds, type TestApp, testConfig } from '../support/test-app.js';

const actor = { actor: 'cli:test', logonType: 'admin' as const };

/** A hash made by Debian's Dovecot, as an old server's passwd-file holds it. */
function doveadmPw(scheme: string, password: string): string {
  return execFileSync('doveadm', ['pw', '-s', scheme, '-p', password], { encoding: 'utf8' }).trim();
}

async function userRow(t: TestApp, address: string) {
  return t.app.store.db.selectFrom('users').selectAll().where('address', '=', address).executeTakeFirst();
}

async function auditOps(t: TestApp, operation: string) {
  await t.app.audit.flush();
  return t.app.store.db.selectFrom('audit_log').selectAll().where('operation', '=', operation).execute();
}

for (const kind of storeKinds) {
  describe(`import dovecot-passwd (${kind})`, () => {
    let t: TestApp;
    const clock = createManualClock(Date.parse('2026-03-01T10:00:00Z'));
    const temp = makeTempDir('mw-import-');
    const file = path.join(temp.dir, 'users');
    const sha512 = doveadmPw('SHA512-CRYPT', 'alice old password');
    const bcrypt = doveadmPw('BLF-CRYPT', 'bob old password');
    const ssha = doveadmPw('SSHA', 'carol old password');
    const lines = [
      '# Dovecot passwd-file of the old server',
      `alice@example.org:${sha512}:5000:5000:Alice Liddell,Room 1::/bin/false:`,
      `bob@example.org:${bcrypt}:5000:5000:Bob::`,
      'not-an-address:{PLAIN}x:5000:5000::',
      `carol@other.example:${ssha}:5000:5000:Carol:::nologin`,
      'dave@example.org:{MYSTERY}abcdef:5000:5000:Dave::',
      'erin@example.org',
    ];

    before(async () => {
      t = await createTestApp(kind, { clock });
      writeFileSync(file, `${lines.join('\n')}\n`);
    });
    after(async () => {
      await t.cleanup();
      temp.remove();
    });

    test('a dry run reports what an import would do and changes nothing', async () => {
      const outcome = await t.app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: true, sync: false, actor },
      );
      assert.ok(outcome.ok);
      assert.equal(outcome.report.dryRun, true);
      assert.equal(outcome.report.users.created, 4);
      assert.equal(outcome.report.domains.created, 2);
      const users = await t.app.store.db.selectFrom('users').select('address').execute();
      assert.deepEqual(users, []);
      assert.deepEqual(await t.app.directory.listDomains(), []);
      assert.equal((await auditOps(t, 'ImportAccount')).length, 0);
      assert.equal((await auditOps(t, 'ImportRun')).length, 0);
    });

    test('the import keeps every hash as it is, names users from gecos and skips bad lines with their number', async () => {
      const outcome = await t.app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: false, actor },
      );
      assert.ok(outcome.ok);
      const { users, domains } = outcome.report;
      assert.equal(users.created, 4);
      assert.equal(users.skipped, 2);
      assert.equal(domains.created, 2);
      const skipped = users.entries.filter((line) => line.outcome === 'skipped');
      assert.deepEqual(
        skipped.map((line) => line.at),
        ['line 4', 'line 7'],
      );
      assert.match(skipped[0]?.reason ?? '', /not an email address/);
      assert.match(skipped[1]?.reason ?? '', /no password field/);
      const alice = await userRow(t, 'alice@example.org');
      assert.equal(alice?.password_hash, sha512);
      assert.equal(alice?.imported_hash, sha512);
      assert.equal(alice?.display_name, 'Alice Liddell');
      assert.equal(alice?.mail_account_password, 1);
      assert.equal(alice?.disabled_at, null);
      assert.equal((await userRow(t, 'bob@example.org'))?.password_hash, bcrypt);
      const carol = await userRow(t, 'carol@other.example');
      assert.equal(carol?.password_hash, ssha);
      assert.notEqual(carol?.disabled_at, null, 'nologin is imported disabled');
      assert.deepEqual(users.withoutPassword, ['dave@example.org']);
      assert.equal((await userRow(t, 'dave@example.org'))?.password_hash, null);
      const records = await auditOps(t, 'ImportAccount');
      assert.equal(records.length, 4, 'one audit record per changed account');
      for (const record of records) {
        assert.ok(
          !(record.details ?? '').includes('$6$') && !(record.details ?? '').includes('$2'),
          'no hash in the audit log',
        );
      }
      assert.equal((await auditOps(t, 'ImportRun')).length, 1);
    });

    test('running the same import again changes nothing', async () => {
      const before = (await auditOps(t, 'ImportAccount')).length;
      const outcome = await t.app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: false, actor },
      );
      assert.ok(outcome.ok);
      assert.equal(outcome.report.users.created, 0);
      assert.equal(outcome.report.users.updated, 0);
      assert.equal(outcome.report.users.unchanged, 4);
      assert.equal(outcome.report.domains.created, 0);
      assert.equal((await auditOps(t, 'ImportAccount')).length, before);
    });

    test('sync disables accounts gone from the source, applies changed hashes and keeps passwords changed in Mailwarden', async () => {
      clock.advanceMs(60_000);
      // Bob changes his password in Mailwarden; later both Alice's and Bob's hashes change at the source.
      const changed = await t.app.directory.setPassword(
        'bob@example.org',
        'bob new mailwarden password',
        actor,
      );
      assert.ok(changed.ok);
      clock.advanceMs(60_000);
      const aliceNew = doveadmPw('SHA512-CRYPT', 'alice new password');
      const bobNew = doveadmPw('SHA512-CRYPT', 'bob new source password');
      writeFileSync(
        file,
        [
          `alice@example.org:${aliceNew}:5000:5000:Alice Liddell::`,
          `bob@example.org:${bobNew}:5000:5000:Bob::`,
          `dave@example.org:{MYSTERY}abcdef::::`,
        ].join('\n'),
      );
      const outcome = await t.app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: true, actor },
      );
      assert.ok(outcome.ok);
      assert.equal((await userRow(t, 'alice@example.org'))?.password_hash, aliceNew);
      const bob = await userRow(t, 'bob@example.org');
      assert.ok(bob?.password_hash?.startsWith('$argon2id$'), 'the password set in Mailwarden stays');
      const kept = outcome.report.users.entries.find((line) => line.name === 'bob@example.org');
      assert.match(kept?.reason ?? '', /changed in Mailwarden/);
      assert.notEqual((await userRow(t, 'carol@other.example'))?.disabled_at, null);
      // Carol was disabled already (nologin); gone from the source, she stays disabled and is not deleted.
      assert.ok(await userRow(t, 'carol@other.example'));
      const run = (await auditOps(t, 'ImportRun')).at(-1);
      assert.match(run?.details ?? '', /"sync":true/);
    });

    test('a sync whose source lists nobody disables nobody', async () => {
      writeFileSync(file, '# emptied by mistake\n');
      const outcome = await t.app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: true, actor },
      );
      assert.ok(outcome.ok);
      assert.equal(outcome.report.users.updated, 0);
      assert.equal((await userRow(t, 'alice@example.org'))?.disabled_at, null);
    });

    test('a sync disables an account that left the source, and the next run leaves it so', async () => {
      writeFileSync(file, `bob@example.org:{PLAIN}ignored:5000:5000:Bob::\n`);
      const first = await t.app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: true, actor },
      );
      assert.ok(first.ok);
      const disabled = first.report.users.entries.filter((line) => line.changes?.includes('disabled'));
      assert.deepEqual(disabled.map((line) => line.name).sort(), ['alice@example.org', 'dave@example.org']);
      assert.notEqual((await userRow(t, 'alice@example.org'))?.disabled_at, null);
      const second = await t.app.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: true, actor },
      );
      assert.ok(second.ok);
      assert.equal(second.report.users.updated, 0);
    });

    test('a missing file is refused and nothing changes', async () => {
      const outcome = await t.app.importing.run(
        { kind: 'dovecot-passwd', file: path.join(temp.dir, 'absent') },
        { dryRun: false, sync: true, actor },
      );
      assert.equal(outcome.ok, false);
      assert.ok(!outcome.ok && /cannot be read/.test(outcome.message));
    });
  });
}

describe('import csv', () => {
  let t: TestApp;
  const temp = makeTempDir('mw-import-csv-');
  const file = path.join(temp.dir, 'users.csv');
  before(async () => {
    t = await createTestApp('sqlite');
  });
  after(async () => {
    await t.cleanup();
    temp.remove();
  });

  test('reads quoted names, admin and disabled columns, and reports bad rows by line', async () => {
    const hash = doveadmPw('SHA256-CRYPT', 'frank password');
    writeFileSync(
      file,
      [
        'address,name,password_hash,admin,disabled',
        `frank@example.net,"Frank, the ""boss""",${hash},yes,no`,
        `grace@example.net,Grace,$1$salt$abcdefghijklmnopqrstuv,,1`,
        'heidi@example.net,Heidi',
        'ivan@example.net,Ivan,{SSHA}abc,maybe,',
        'mallory@@example.net,Mallory,{PLAIN}x',
      ].join('\r\n'),
    );
    const outcome = await t.app.importing.run({ kind: 'csv', file }, { dryRun: false, sync: false, actor });
    assert.ok(outcome.ok);
    assert.equal(outcome.report.users.created, 2);
    assert.deepEqual(
      outcome.report.users.entries.filter((line) => line.outcome === 'skipped').map((line) => line.at),
      ['line 4', 'line 5', 'line 6'],
    );
    const frank = await userRow(t, 'frank@example.net');
    assert.equal(frank?.display_name, 'Frank, the "boss"');
    assert.equal(frank?.role, 'admin');
    assert.equal(frank?.password_hash, hash);
    const grace = await userRow(t, 'grace@example.net');
    assert.equal(grace?.password_hash, '{MD5-CRYPT}$1$salt$abcdefghijklmnopqrstuv');
    assert.notEqual(grace?.disabled_at, null);
  });

  test('an account made in Mailwarden is left as it is', async () => {
    const made = await t.app.directory.createUser(
      { address: 'judy@example.net', password: 'judy mailwarden password' },
      actor,
    );
    assert.ok(made.ok);
    writeFileSync(file, 'judy@example.net,Judy,{PLAIN}other\n');
    const outcome = await t.app.importing.run({ kind: 'csv', file }, { dryRun: false, sync: false, actor });
    assert.ok(outcome.ok);
    assert.equal(outcome.report.users.skipped, 1);
    assert.ok((await userRow(t, 'judy@example.net'))?.password_hash?.startsWith('$argon2id$'));
  });
});

describe('import across a restart', () => {
  test('accounts imported before a restart are unchanged by the same import after it', async () => {
    const temp = makeTempDir('mw-import-restart-');
    const file = path.join(temp.dir, 'users');
    writeFileSync(file, `kim@example.com:${doveadmPw('SHA512-CRYPT', 'kim password')}:::Kim::\n`);
    try {
      const config = testConfig({ dataDir: path.join(temp.dir, 'data') });
      const first = await buildApp(config, { logger: silentLogger });
      const one = await first.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: true, actor },
      );
      await first.close();
      assert.ok(one.ok && one.report.users.created === 1);
      const second = await buildApp(config, { logger: silentLogger });
      const two = await second.importing.run(
        { kind: 'dovecot-passwd', file },
        { dryRun: false, sync: true, actor },
      );
      await second.close();
      assert.ok(two.ok);
      assert.equal(two.report.users.unchanged, 1);
      assert.equal(two.report.users.created + two.report.users.updated, 0);
    } finally {
      temp.remove();
    }
  });
});

describe('periodic sync from import.source', () => {
  test('the server syncs from import.source at start, audited as the system with its counts, and again after a restart', async () => {
    const temp = makeTempDir('mw-import-periodic-');
    const file = path.join(temp.dir, 'users');
    writeFileSync(file, `lou@periodic.example:${doveadmPw('SHA512-CRYPT', 'lou password')}:::Lou::\n`);
    const { startServer } = await import('../../src/server.js');
    const overrides = {
      'import.source': `dovecot-passwd:${file}`,
      'import.intervalMinutes': 60,
      'smtp.enabled': false,
      'smtps.enabled': false,
      'http.enabled': false,
      'policy.enabled': false,
    };
    const config = testConfig({ dataDir: path.join(temp.dir, 'data'), overrides });
    try {
      for (const round of [1, 2]) {
        const app = await buildApp(config, { logger: silentLogger });
        const server = await startServer(app);
        // The first sync starts with the server; stop() waits for a sync in flight.
        await server.stop();
        await app.audit.flush();
        const runs = await app.store.db
          .selectFrom('audit_log')
          .selectAll()
          .where('operation', '=', 'ImportRun')
          .execute();
        assert.equal(runs.length, round, 'one audited sync per start');
        assert.equal(runs.at(-1)?.actor, 'system');
        assert.match(runs.at(-1)?.details ?? '', /"sync":true/);
        assert.match(runs.at(-1)?.details ?? '', round === 1 ? /"created":1/ : /"unchanged":1/);
        const lou = await app.store.db
          .selectFrom('users')
          .selectAll()
          .where('address', '=', 'lou@periodic.example')
          .executeTakeFirst();
        assert.equal(lou?.display_name, 'Lou');
        await app.close();
      }
    } finally {
      temp.remove();
    }
  });
});

test('an import.source that names no known source is a configuration problem', async () => {
  const { loadConfig } = await import('../../src/config/index.js');
  const outcome = loadConfig({ env: {}, overrides: { 'import.source': 'ftp://old.example/users' } });
  assert.equal(outcome.ok, false);
  assert.ok(!outcome.ok && outcome.problems.some((problem) => problem.startsWith('import.source:')));
  const good = loadConfig({
    env: {},
    overrides: { 'import.source': 'sql:mailcow:mysql://ro@127.0.0.1/mailcow' },
  });
  assert.ok(good.ok);
});
