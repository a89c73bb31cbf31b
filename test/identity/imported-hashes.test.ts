import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type App, buildApp } from '../../src/app.js';
import {
  createPasswordHasher,
  IMPORTED_HASH_SCHEMES,
  type SignInProtocol,
} from '../../src/identity/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { type ApiHarness, createApiHarness } from '../api/api-harness.js';
import { runMailwarden } from '../support/cli-process.js';
import {
  addUser,
  cliActor,
  createPostgresDatabase,
  makeTempDir,
  type StoreKind,
  storeKinds,
  testConfig,
} from '../support/test-app.js';

const PASSWORD = 'lantern-orchard-piano';
const IP = '81.2.69.142';

/** A hash made by the real Dovecot of this machine (`doveadm pw`), in its `{SCHEME}hash` form. */
function doveadmHash(scheme: string, password: string): string {
  return execFileSync('doveadm', ['pw', '-s', scheme, '-p', password], { encoding: 'utf8' }).trim();
}

/** Made once by Dovecot 2.3.19 (`doveadm pw -s SCHEME -p lantern-orchard-piano`), kept as they came. */
const FIXED_VECTORS: Record<string, string> = {
  'SHA512-CRYPT':
    '{SHA512-CRYPT}$6$us8TanCUeixgo4NM$0Tj2BmD8E8KeYoPObpxrbwBovkZIW2Fgp.uPe0iyv2O0gdwN/Vc5.qJsIqs/4GycitZvs07LbI.nC1LVq4IRD/',
  'SHA256-CRYPT': '{SHA256-CRYPT}$5$tv8gaRXWmZN4SaLv$8cfoWDHlHP9kiryQMC3QsBBDJqR0hIGMPvK8ZwYxlb3',
  'BLF-CRYPT': '{BLF-CRYPT}$2y$05$0uF3RuTj5RAA/VgI/pR4vO6U5mwucRnV2O3VknJ0njcW2WcCwhwnO',
  ARGON2ID:
    '{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$xum5r618V4Ixo7hT+KmbYA$qQFBtbfub/ZL0jpmK43Z3Vz+UFFn7VTHWWjyyebo+Sg',
  ARGON2I:
    '{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$u+4PuPCmVv58sd/0F1a1Ww$qWoQjU/edCzauHXAR9g5uwQ1D3zdHHt4Fbc2K2ygbZo',
  SSHA512:
    '{SSHA512}IV0Ha+pKgbA0In1lLnkvlESeggzCRSHBT06TvPMM5ToVaRgbIJwTAuUWtyLOXRkxbGnAY35C6NkFhVgiVCqGdMT/v04=',
  SSHA256: '{SSHA256}toEcf1q45X/w5q0y4Dqi5XNS4P7+xZgKsE9hc/7HlRzs4RAP',
  SSHA: '{SSHA}XW0pDYShvpvywi1srqkHPCY+v9/M+aqg',
  'MD5-CRYPT': '{MD5-CRYPT}$1$1DfSrgBZ$9wWo078roFaB3DuRiFM8h.',
  PLAIN: '{PLAIN}lantern-orchard-piano',
};

describe('imported password hashes, verified natively', () => {
  const hasher = createPasswordHasher();

  test('every scheme verifies the right password and refuses a wrong one (fixed doveadm vectors)', async () => {
    for (const scheme of IMPORTED_HASH_SCHEMES) {
      const stored = FIXED_VECTORS[scheme];
      assert.ok(stored, `a fixed vector for ${scheme}`);
      assert.equal(await hasher.verify(stored, PASSWORD), true, `${scheme} right password`);
      assert.equal(await hasher.verify(stored, `${PASSWORD}x`), false, `${scheme} wrong password`);
      assert.equal(await hasher.verify(stored, ''), false, `${scheme} empty password`);
    }
  });

  test('hashes made now by doveadm pw verify, with non-ASCII, long and short passwords and explicit rounds', async () => {
    const passwords = ['Grüße aus Köln, 東京 ✓', 'x', 'p'.repeat(200), PASSWORD];
    for (const scheme of IMPORTED_HASH_SCHEMES)
      for (const password of passwords) {
        const stored = doveadmHash(scheme, password);
        assert.ok(stored.startsWith(`{${scheme}}`), stored);
        assert.equal(await hasher.verify(stored, password), true, `${scheme} ${password.slice(0, 20)}`);
        // Changed at the front: bcrypt reads only a password's first 72 bytes, as Dovecot's does.
        assert.equal(await hasher.verify(stored, `!${password}`), false, `${scheme} wrong`);
      }
    for (const scheme of ['SHA512-CRYPT', 'SHA256-CRYPT']) {
      const stored = execFileSync('doveadm', ['pw', '-s', scheme, '-r', '12345', '-p', PASSWORD], {
        encoding: 'utf8',
      }).trim();
      assert.match(stored, /\$rounds=12345\$/);
      assert.equal(await hasher.verify(stored, PASSWORD), true, `${scheme} rounds=12345`);
      assert.equal(await hasher.verify(stored, 'lantern-orchard-pian0'), false);
    }
  });

  test('an unknown scheme or a malformed hash verifies nothing', async () => {
    const refused = [
      `{CRYPT}${doveadmHash('SHA512-CRYPT', PASSWORD).slice('{SHA512-CRYPT}'.length)}`,
      `{SHA512-CRYPT.B64}${PASSWORD}`,
      '{NOSUCH}lantern-orchard-piano',
      '{SSHA512}not base64 at all!',
      '{SSHA}',
      '{SSHA}AAAA',
      '{SHA512-CRYPT}$5$abc$def',
      '{BLF-CRYPT}$2y$31$0uF3RuTj5RAA/VgI/pR4vO6U5mwucRnV2O3VknJ0njcW2WcCwhwnO',
      '{ARGON2ID}$argon2id$v=19$m=4194304,t=3,p=1$xum5r618V4Ixo7hT+KmbYA$qQFBtbfub/ZL0jpmK43Z3Vz+UFFn7VTHWWjyyebo+Sg',
      '{SHA512-CRYPT}$6$rounds=999999999$us8TanCUeixgo4NM$0Tj2BmD8E8KeYoPObpxrbwBovkZIW2Fgp.uPe0iyv2O0g',
      '{',
    ];
    for (const stored of refused) assert.equal(await hasher.verify(stored, PASSWORD), false, stored);
    // Mailwarden's own hashes still verify as before.
    const own = await hasher.hash(PASSWORD);
    assert.equal(await hasher.verify(own, PASSWORD), true);
  });
});

async function auditOf(app: App, mailbox: string, operation: string) {
  const { records } = await app.audit.search({ mailbox, limit: 1000 });
  return records.filter((record) => record.operation === operation);
}

async function storedHash(app: App, address: string): Promise<string | null> {
  const row = await app.store.db
    .selectFrom('users')
    .select('password_hash')
    .where('address', '=', address)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}

async function importAccount(app: App, address: string, stored: string, mailAccountPassword = 1) {
  const exists = await app.directory.findUser(address);
  if (!exists) await addUser(app, address, 'placeholder-password-unused');
  await app.store.db
    .updateTable('users')
    .set({
      password_hash: stored,
      imported_from: 'dovecot-passwd:/etc/dovecot/users',
      imported_hash: stored,
      mail_account_password: mailAccountPassword,
    })
    .where('address', '=', address)
    .execute();
}

for (const kind of storeKinds) {
  describe(`imported accounts signing in (${kind})`, () => {
    const temp = makeTempDir();
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
    let app: App;
    const open = () =>
      buildApp(testConfig({ dataDir: temp.dir, databaseUrl: postgres?.url }), { logger: silentLogger });
    const signIn = (login: string, secret: string, protocol: SignInProtocol = 'imap') =>
      app.identity.signIn({ login, secret, protocol, clientIp: IP, clientInfo: 'test' });
    before(async () => {
      postgres = kind === ('postgres' as StoreKind) ? await createPostgresDatabase() : null;
      app = await open();
      const changed = await app.settings.change(
        { 'mailSignIn.accountPassword': 'app-passwords-only' },
        cliActor,
      );
      assert.ok(changed.ok);
    });
    after(async () => {
      await app.close();
      await postgres?.drop();
      temp.remove();
    });

    test('a wrong password never rehashes an imported hash', async () => {
      const legacy = doveadmHash('SHA512-CRYPT', PASSWORD);
      await importAccount(app, 'wrong@example.org', legacy);
      for (const protocol of ['imap', 'smtp', 'web'] as const) {
        const outcome = await signIn('wrong@example.org', 'not-the-password-at-all', protocol);
        assert.equal(outcome.ok, false);
      }
      assert.equal(await storedHash(app, 'wrong@example.org'), legacy);
      assert.equal((await auditOf(app, 'wrong@example.org', 'UpgradePasswordHash')).length, 0);
    });

    test('the first successful sign-in rehashes to argon2id, audited as a system change without a hash', async () => {
      for (const scheme of IMPORTED_HASH_SCHEMES) {
        const address = `${scheme.toLowerCase()}@example.org`;
        const legacy = doveadmHash(scheme, PASSWORD);
        await importAccount(app, address, legacy);
        const outcome = await signIn(address, PASSWORD, 'imap');
        assert.ok(outcome.ok, `${scheme}: ${JSON.stringify(outcome)}`);
        const now = await storedHash(app, address);
        assert.match(now ?? '', /^\$argon2id\$/, scheme);
        const records = await auditOf(app, address, 'UpgradePasswordHash');
        assert.equal(records.length, 1, scheme);
        const record = records[0]!;
        assert.equal(record.actor, 'system');
        assert.equal(record.logonType, 'system');
        assert.deepEqual(record.details, { from: scheme, to: 'ARGON2ID' });
        const text = JSON.stringify(record);
        assert.ok(
          !text.includes(legacy.slice(legacy.indexOf('}') + 1)),
          `${scheme}: legacy hash in the record`,
        );
        assert.ok(!text.includes(now ?? '$argon2id$'), `${scheme}: new hash in the record`);
        assert.ok(!text.includes(PASSWORD), `${scheme}: password in the record`);
        // The next sign-in verifies argon2id and writes no second record.
        assert.ok((await signIn(address, PASSWORD, 'smtp')).ok);
        assert.equal((await auditOf(app, address, 'UpgradePasswordHash')).length, 1);
      }
    });

    test('a rehash the database fails leaves the sign-in successful and the legacy hash in place; the next sign-in rehashes', async () => {
      const legacy = doveadmHash('SHA512-CRYPT', PASSWORD);
      await importAccount(app, 'rehash-down@example.org', legacy);
      // The database fails the rehash's write only (the sign-in's own writes go through): PostgreSQL
      // drops the connection in the middle of it, as when the server goes away; SQLite refuses it,
      // as when its disk is full.
      if (kind === 'postgres')
        await sql
          .raw(`
            CREATE FUNCTION drop_rehash_connection() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;
            CREATE TRIGGER refuse_rehash BEFORE UPDATE OF password_hash ON users
              FOR EACH ROW EXECUTE FUNCTION drop_rehash_connection();`)
          .execute(app.store.db);
      else
        await sql
          .raw(`CREATE TRIGGER refuse_rehash BEFORE UPDATE OF password_hash ON users
                BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
          .execute(app.store.db);
      try {
        const outcome = await signIn('rehash-down@example.org', PASSWORD, 'imap');
        assert.ok(outcome.ok, JSON.stringify(outcome));
      } finally {
        await sql
          .raw(kind === 'postgres' ? 'DROP TRIGGER refuse_rehash ON users' : 'DROP TRIGGER refuse_rehash')
          .execute(app.store.db);
      }
      assert.equal(await storedHash(app, 'rehash-down@example.org'), legacy);
      assert.equal((await auditOf(app, 'rehash-down@example.org', 'UpgradePasswordHash')).length, 0);

      const next = await signIn('rehash-down@example.org', PASSWORD, 'smtp');
      assert.ok(next.ok, JSON.stringify(next));
      assert.match((await storedHash(app, 'rehash-down@example.org')) ?? '', /^\$argon2id\$/);
      assert.equal((await auditOf(app, 'rehash-down@example.org', 'UpgradePasswordHash')).length, 1);
    });

    test('concurrent first sign-ins rehash once', async () => {
      await importAccount(app, 'race@example.org', doveadmHash('SSHA512', PASSWORD));
      const outcomes = await Promise.all(
        (['imap', 'smtp', 'pop3', 'web', 'imap', 'smtp'] as const).map((protocol) =>
          signIn('race@example.org', PASSWORD, protocol),
        ),
      );
      assert.ok(outcomes.every((outcome) => outcome.ok));
      assert.equal((await auditOf(app, 'race@example.org', 'UpgradePasswordHash')).length, 1);
      assert.match((await storedHash(app, 'race@example.org')) ?? '', /^\$argon2id\$/);
    });

    test('an MFA user is refused the account password on IMAP even with mail_account_password = 1', async () => {
      const legacy = doveadmHash('BLF-CRYPT', PASSWORD);
      await importAccount(app, 'mfa-imported@example.org', legacy);
      await app.store.db
        .updateTable('users')
        .set({ mfa_state: 'enabled' })
        .where('address', '=', 'mfa-imported@example.org')
        .execute();
      for (const protocol of ['imap', 'pop3', 'smtp'] as const) {
        const outcome = await signIn('mfa-imported@example.org', PASSWORD, protocol);
        assert.ok(!outcome.ok);
        assert.equal(outcome.code, 'app-password-required');
      }
      // A refused sign-in is not a successful one: the legacy hash waits for the web sign-in.
      assert.equal(await storedHash(app, 'mfa-imported@example.org'), legacy);
      const web = await signIn('mfa-imported@example.org', PASSWORD, 'web');
      assert.ok(web.ok);
      assert.match((await storedHash(app, 'mfa-imported@example.org')) ?? '', /^\$argon2id\$/);
    });

    test('mail_account_password keeps mail clients on the account password until an admin moves the account', async () => {
      await importAccount(app, 'kept@example.org', doveadmHash('SHA256-CRYPT', PASSWORD));
      assert.ok((await signIn('kept@example.org', PASSWORD, 'imap')).ok);
      const moved = await app.identity.setMailPassword('kept@example.org', 'app-passwords-only', cliActor);
      assert.ok(moved.ok && moved.changed);
      const refused = await signIn('kept@example.org', PASSWORD, 'imap');
      assert.ok(!refused.ok);
      assert.equal(refused.code, 'app-password-required');
      // The web still takes the account password.
      assert.ok((await signIn('kept@example.org', PASSWORD, 'web')).ok);
      // The repeat changes nothing and audits nothing more.
      const again = await app.identity.setMailPassword('kept@example.org', 'app-passwords-only', cliActor);
      assert.ok(again.ok && !again.changed);
      assert.equal((await auditOf(app, 'kept@example.org', 'SetMailPassword')).length, 1);
      // A blocked org setting wins over the account's exception.
      const back = await app.identity.setMailPassword('kept@example.org', 'account-password', cliActor);
      assert.ok(back.ok && back.changed);
      assert.ok((await app.settings.change({ 'mailSignIn.accountPassword': 'blocked' }, cliActor)).ok);
      const blocked = await signIn('kept@example.org', PASSWORD, 'imap');
      assert.ok(!blocked.ok);
      assert.equal(blocked.code, 'mail-sign-in-blocked');
      assert.ok(
        (await app.settings.change({ 'mailSignIn.accountPassword': 'app-passwords-only' }, cliActor)).ok,
      );
      const unknown = await app.identity.setMailPassword('nobody@example.org', 'account-password', cliActor);
      assert.ok(!unknown.ok);
      assert.equal(unknown.code, 'user-not-found');
    });

    test('Secure Score counts legacy hashes left, weak ones more, and accounts keeping the account password', async () => {
      await importAccount(app, 'plain@example.org', doveadmHash('PLAIN', PASSWORD));
      await importAccount(app, 'strong-legacy@example.org', doveadmHash('SHA512-CRYPT', PASSWORD));
      const report = await app.score.report();
      const hashes = report.controls.find((control) => control.id === 'identity.modern-password-hashes');
      assert.ok(hashes);
      assert.match(hashes.measured.current, /3 of \d+ passwords are still on an imported hash/);
      assert.match(hashes.measured.current, /\{SHA512-CRYPT\} 2, \{PLAIN\} 1/);
      assert.match(hashes.measured.current, /1 of them weak/);
      const detail = hashes.measured.detail as { withPassword: number; legacy: number; weak: number };
      // wrong@ and strong-legacy@ on SHA512-CRYPT count once each, plain@ on {PLAIN} three times.
      assert.deepEqual([detail.legacy, detail.weak], [3, 1]);
      const expectedShare = (detail.withPassword - (2 + 3)) / detail.withPassword;
      assert.ok(
        Math.abs(hashes.measured.points - hashes.maxPoints * expectedShare) < 0.1,
        `${hashes.measured.points}`,
      );
      const mail = report.controls.find(
        (control) => control.id === 'identity.mail-account-password-accounts',
      );
      assert.ok(mail);
      assert.match(mail.measured.current, /accounts still use the account password on mail/);
      const keeping = await app.store.db
        .selectFrom('users')
        .select('address')
        .where('mail_account_password', '=', 1)
        .orderBy('address')
        .execute();
      assert.ok(mail.measured.current.startsWith(`${keeping.length} accounts`), mail.measured.current);
      assert.ok(mail.measured.current.includes(`(${keeping[0]?.address}, `), mail.measured.current);
      assert.ok(
        mail.recommendation.cli.includes('mailwarden user mail-password <address> app-passwords-only'),
      );
    });

    test('after a restart the rehashed account signs in with argon2id, and the legacy hash is gone', async () => {
      await importAccount(app, 'restart@example.org', doveadmHash('MD5-CRYPT', PASSWORD));
      assert.ok((await signIn('restart@example.org', PASSWORD, 'smtp')).ok);
      await app.close();
      app = await open();
      const stored = await storedHash(app, 'restart@example.org');
      assert.match(stored ?? '', /^\$argon2id\$/);
      assert.ok((await signIn('restart@example.org', PASSWORD, 'imap')).ok);
      assert.ok(!(await signIn('restart@example.org', `${PASSWORD}!`, 'imap')).ok);
      assert.equal((await auditOf(app, 'restart@example.org', 'UpgradePasswordHash')).length, 1);
    });
  });
}

describe('moving an account to app passwords from the command line', () => {
  const temp = makeTempDir();
  const env = { MAILWARDEN_DATA_DIR: temp.dir };
  const cli = (args: string[], input?: string) => runMailwarden(args, { env, input });
  after(() => temp.remove());

  test('user mail-password sets the mode, audited; a bad mode or unknown user is a clear error', async () => {
    assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
    const added = await cli(['user', 'add', 'dana@example.org', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(added.code, 0, added.stderr);
    const kept = await cli(['user', 'mail-password', 'dana@example.org', 'account-password', '--json']);
    assert.equal(kept.code, 0, kept.stderr);
    assert.deepEqual(JSON.parse(kept.stdout), {
      user: 'dana@example.org',
      mailPassword: 'account-password',
      changed: true,
    });
    const again = await cli(['user', 'mail-password', 'dana@example.org', 'account-password']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /unchanged/);
    const moved = await cli(['user', 'mail-password', 'dana@example.org', 'app-passwords-only']);
    assert.equal(moved.code, 0);
    assert.match(moved.stdout, /use app passwords only/);
    const bad = await cli(['user', 'mail-password', 'dana@example.org', 'sometimes']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /app-passwords-only or account-password/);
    const unknown = await cli(['user', 'mail-password', 'nobody@example.org', 'account-password', '--json']);
    assert.equal(unknown.code, 1);
    assert.equal(JSON.parse(unknown.stdout).error.code, 'user-not-found');
    const app = await buildApp(testConfig({ dataDir: temp.dir }), { logger: silentLogger });
    try {
      const records = await auditOf(app, 'dana@example.org', 'SetMailPassword');
      assert.deepEqual(
        records.map((record) => record.details),
        [{ mailPassword: 'account-password' }, { mailPassword: 'app-passwords-only' }].reverse(),
      );
    } finally {
      await app.close();
    }
  });
});

describe('moving an account to app passwords over the API', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite');
    await addUser(api.app, 'erin@example.org', PASSWORD);
  });
  after(() => api.cleanup());

  test('PUT mail-password sets the mode; bad input, an unknown user and an auditor are refused', async () => {
    const set = await api.call('PUT', '/api/v1/users/erin@example.org/mail-password', {
      json: { mode: 'account-password' },
    });
    assert.equal(set.status, 200);
    assert.equal(set.body.mode, 'account-password');
    assert.equal(set.body.changed, true);
    assert.equal(set.body.user.address, 'erin@example.org');
    const bad = await api.call('PUT', '/api/v1/users/erin@example.org/mail-password', {
      json: { mode: 'x' },
    });
    assert.equal(bad.status, 400);
    const unknown = await api.call('PUT', '/api/v1/users/nobody@example.org/mail-password', {
      json: { mode: 'account-password' },
    });
    assert.equal(unknown.status, 404);
    const auditor = await api.call('PUT', '/api/v1/users/erin@example.org/mail-password', {
      token: api.auditorToken,
      json: { mode: 'app-passwords-only' },
    });
    assert.equal(auditor.status, 403);
    const row = await api.app.store.db
      .selectFrom('users')
      .select('mail_account_password')
      .where('address', '=', 'erin@example.org')
      .executeTakeFirstOrThrow();
    assert.equal(row.mail_account_password, 1);
  });
});
