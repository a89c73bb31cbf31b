import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type App, buildApp } from '../../src/app.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { type ApiHarness, createApiHarness } from '../api/api-harness.js';
import { runMailwarden } from '../support/cli-process.js';
import {
  addUser,
  createPostgresDatabase,
  makeTempDir,
  type StoreKind,
  storeKinds,
  testConfig,
} from '../support/test-app.js';

const PASSWORD = 'lantern-orchard-piano';
const IP = '81.2.69.142';

for (const kind of storeKinds) {
  describe(`sign-in administration from the command line (${kind})`, () => {
    const temp = makeTempDir();
    let env: Record<string, string>;
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
    let app: App;
    const cli = (args: string[], input?: string) => runMailwarden(args, { env, input });
    const json = async (args: string[]) => {
      const result = await cli([...args, '--json']);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout);
    };
    before(async () => {
      postgres = kind === ('postgres' as StoreKind) ? await createPostgresDatabase() : null;
      env = { MAILWARDEN_DATA_DIR: temp.dir, ...(postgres ? { MAILWARDEN_DATABASE_URL: postgres.url } : {}) };
      assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
      const added = await cli(['user', 'add', 'alice@example.org', '--password-stdin'], `${PASSWORD}\n`);
      assert.equal(added.code, 0, added.stderr);
      app = await buildApp(testConfig({ dataDir: temp.dir, databaseUrl: postgres?.url }), {
        logger: silentLogger,
      });
    });
    after(async () => {
      await app.close();
      await postgres?.drop();
      temp.remove();
    });

    test('passwords shorter than 12 characters or on the banned list are refused, with no composition rules', async () => {
      for (const weak of ['short-pw', 'password1234!', 'qwertyuiop123', 'abcabcabcabcabc']) {
        const result = await cli(
          ['user', 'set-password', 'alice@example.org', '--password-stdin'],
          `${weak}\n`,
        );
        assert.equal(result.code, 1, `${weak} was accepted`);
      }
      const banned = await cli(
        ['user', 'add', 'bob@example.org', '--password-stdin', '--json'],
        'iloveyou12345\n',
      );
      assert.equal(banned.code, 1);
      assert.equal(JSON.parse(banned.stdout).error.code, 'weak-password');
      assert.match(banned.stderr, /common or breached/);
      // All lower case, no digit, no symbol: long and uncommon is enough.
      const fine = await cli(
        ['user', 'set-password', 'alice@example.org', '--password-stdin'],
        `${PASSWORD}\n`,
      );
      assert.equal(fine.code, 0, fine.stderr);
    });

    test('app-password create prints the password once in its JSON; list never shows it; revoke ends it at once', async () => {
      const created = await json([
        'app-password',
        'create',
        'alice@example.org',
        '--name',
        'phone',
        '--scope',
        'smtp,imap',
        '--expires-days',
        '30',
      ]);
      assert.equal(created.name, 'phone');
      assert.deepEqual(created.scopes, ['smtp', 'imap']);
      assert.ok(created.expiresAt);
      assert.match(created.password, /^[a-z2-9-]{24}$/);
      const signIn = () =>
        app.identity.signIn({
          login: 'alice@example.org',
          secret: created.password,
          protocol: 'imap',
          clientIp: IP,
        });
      assert.ok((await signIn()).ok);
      const listed = await json(['app-password', 'list', 'alice@example.org']);
      assert.equal(listed.length, 1);
      assert.equal(listed[0].password, undefined);
      assert.equal(listed[0].lastUsedProtocol, 'imap');
      const plain = await cli(['app-password', 'list', 'alice@example.org']);
      assert.ok(!plain.stdout.includes(created.password));
      const wrongScope = await cli([
        'app-password',
        'create',
        'alice@example.org',
        '--name',
        'x',
        '--scope',
        'ftp',
      ]);
      assert.equal(wrongScope.code, 1);
      const revoked = await cli(['app-password', 'revoke', 'alice@example.org', 'phone']);
      assert.equal(revoked.code, 0, revoked.stderr);
      const after = await signIn();
      assert.equal(!after.ok && after.code, 'bad-credentials');
    });

    test('user reset-password prints a temporary password once, requires a change, ends sessions and can revoke app passwords', async () => {
      const device = await json([
        'app-password',
        'create',
        'alice@example.org',
        '--name',
        'laptop',
        '--scope',
        'imap',
      ]);
      const before = Date.now();
      const alice = await app.directory.findUser('alice@example.org');
      await app.store.db
        .insertInto('web_sessions')
        .values({
          id: 'session-hash-1',
          user_id: alice!.id,
          stage: 'complete',
          created_at: before - 1000,
          last_seen_at: before - 1000,
          expires_at: before + 3_600_000,
          client_ip: IP,
          user_agent: 'test',
          revoked_at: null,
        })
        .execute();
      const reset = await json(['user', 'reset-password', 'alice@example.org', '--revoke-app-passwords']);
      assert.equal(typeof reset.temporaryPassword, 'string');
      assert.ok(reset.temporaryPassword.length >= 20);
      assert.deepEqual(reset.revokedAppPasswords, ['laptop']);
      const row = await app.store.db
        .selectFrom('users')
        .selectAll()
        .where('address', '=', 'alice@example.org')
        .executeTakeFirstOrThrow();
      assert.equal(row.must_change_password, 1);
      assert.ok(row.sessions_valid_after >= before - 1000, 'sessions created before the reset are over');
      const session = await app.store.db
        .selectFrom('web_sessions')
        .selectAll()
        .where('id', '=', 'session-hash-1')
        .executeTakeFirstOrThrow();
      assert.notEqual(session.revoked_at, null);
      const old = await app.identity.signIn({
        login: 'alice@example.org',
        secret: PASSWORD,
        protocol: 'web',
        clientIp: IP,
      });
      assert.equal(!old.ok && old.code, 'bad-credentials');
      const web = await app.identity.signIn({
        login: 'alice@example.org',
        secret: reset.temporaryPassword,
        protocol: 'web',
        clientIp: IP,
      });
      assert.ok(web.ok && web.user.mustChangePassword);
      const mail = await app.identity.signIn({
        login: 'alice@example.org',
        secret: device.password,
        protocol: 'imap',
        clientIp: IP,
      });
      assert.equal(!mail.ok && mail.code, 'bad-credentials', 'the revoked app password is refused');
      const changed = await app.identity.changeOwnPassword(
        {
          user: { id: web.ok ? web.user.id : '', address: 'alice@example.org' },
          newPassword: PASSWORD,
          proof: { kind: 'current-password', password: reset.temporaryPassword },
          keepSessionId: null,
        },
        {
          actor: 'alice@example.org',
          logonType: 'owner',
        },
      );
      assert.ok(changed.ok);
    });

    test('user unlock lifts a lockout; signins list filters by user and result', async () => {
      for (let i = 0; i < 10; i++)
        await app.identity.signIn({
          login: 'alice@example.org',
          secret: `wrong-guess-${i}`,
          protocol: 'imap',
          clientIp: '203.0.113.9',
        });
      const locked = await app.identity.signIn({
        login: 'alice@example.org',
        secret: PASSWORD,
        protocol: 'web',
        clientIp: '203.0.113.9',
      });
      assert.equal(!locked.ok && locked.code, 'locked-out');
      const unlocked = await json(['user', 'unlock', 'alice@example.org']);
      assert.ok(unlocked.unlockedSources.includes('203.0.113.0/24'));
      const again = await app.identity.signIn({
        login: 'alice@example.org',
        secret: PASSWORD,
        protocol: 'web',
        clientIp: '203.0.113.9',
      });
      assert.ok(again.ok);
      const failures = await json([
        'signins',
        'list',
        '--user',
        'alice@example.org',
        '--result',
        'failure',
        '--since',
        '1h',
      ]);
      assert.ok(failures.length >= 11);
      assert.ok(failures.every((entry: { result: string }) => entry.result === 'failure'));
      assert.ok(failures.some((entry: { reason: string }) => entry.reason === 'locked-out'));
      const london = (
        await json(['signins', 'list', '--user', 'alice@example.org', '--result', 'success'])
      ).find((entry: { clientIp: string }) => entry.clientIp === IP);
      assert.equal(london.country, 'GB');
      const table = await cli(['signins', 'list', '--user', 'alice@example.org']);
      assert.match(table.stdout, /^TIME\s+ACCOUNT\s+PROTOCOL/);
    });

    test('every app password, reset, lockout and unlock is audited with its actor', async () => {
      const { records } = await app.audit.search({ mailbox: 'alice@example.org', limit: 1000 });
      const operations = new Set(records.map((record) => record.operation));
      for (const operation of [
        'CreateAppPassword',
        'RevokeAppPassword',
        'ResetPassword',
        'LockOut',
        'UnlockUser',
        'SetPassword',
      ])
        assert.ok(operations.has(operation), `${operation} is missing`);
      const reset = records.find((record) => record.operation === 'ResetPassword');
      assert.match(reset?.actor ?? '', /^cli:/);
      const lock = records.find((record) => record.operation === 'LockOut');
      assert.equal(lock?.clientIp, '203.0.113.9');
    });
  });
}

for (const kind of storeKinds) {
  describe(`sign-in administration over the API (${kind})`, () => {
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind);
      await addUser(api.app, 'carol@example.org', PASSWORD);
    });
    after(() => api.cleanup());

    test('app passwords: create (201, shown once), list, revoke; bad input is a clear 400 or 422', async () => {
      const created = await api.call('POST', '/api/v1/users/carol@example.org/app-passwords', {
        json: { name: 'Thunderbird', scopes: ['imap', 'smtp'], expiresDays: 90 },
      });
      assert.equal(created.status, 201);
      assert.equal(typeof created.body.password, 'string');
      assert.deepEqual(created.body.appPassword.scopes, ['smtp', 'imap']);
      const listed = await api.call('GET', '/api/v1/users/carol@example.org/app-passwords');
      assert.equal(listed.status, 200);
      assert.equal(listed.body.appPasswords.length, 1);
      assert.ok(!JSON.stringify(listed.body).includes(created.body.password));
      const duplicate = await api.call('POST', '/api/v1/users/carol@example.org/app-passwords', {
        json: { name: 'Thunderbird', scopes: ['imap'] },
      });
      assert.equal(duplicate.status, 409);
      const badScope = await api.call('POST', '/api/v1/users/carol@example.org/app-passwords', {
        json: { name: 'x', scopes: ['telnet'] },
      });
      assert.equal(badScope.status, 422);
      assert.equal(badScope.body.error.code, 'invalid-app-password');
      const garbage = await api.call('POST', '/api/v1/users/carol@example.org/app-passwords', {
        json: { name: 5, scopes: 'imap', extra: true },
      });
      assert.equal(garbage.status, 400);
      const auditor = await api.call('POST', '/api/v1/users/carol@example.org/app-passwords', {
        token: api.auditorToken,
        json: { name: 'y', scopes: ['imap'] },
      });
      assert.equal(auditor.status, 403);
      const revoked = await api.call('DELETE', '/api/v1/users/carol@example.org/app-passwords/Thunderbird');
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.appPassword.state, 'revoked');
      const gone = await api.call('DELETE', '/api/v1/users/carol@example.org/app-passwords/Thunderbird');
      assert.equal(gone.status, 404);
      const nobody = await api.call('GET', '/api/v1/users/nobody@example.org/app-passwords');
      assert.equal(nobody.status, 404);
    });

    test('reset-password, unlock and the sign-in log over the API, audited with the token and client', async () => {
      const reset = await api.call('POST', '/api/v1/users/carol@example.org/reset-password', {
        json: { revokeAppPasswords: true },
      });
      assert.equal(reset.status, 200);
      assert.equal(typeof reset.body.temporaryPassword, 'string');
      const signIn = await api.app.identity.signIn({
        login: 'carol@example.org',
        secret: reset.body.temporaryPassword,
        protocol: 'web',
        clientIp: IP,
      });
      assert.ok(signIn.ok);
      const unlock = await api.call('POST', '/api/v1/users/carol@example.org/unlock');
      assert.equal(unlock.status, 200);
      assert.deepEqual(unlock.body.unlockedSources, []);
      const log = await api.call('GET', '/api/v1/users/carol@example.org/signins?result=success');
      assert.equal(log.status, 200);
      assert.equal(log.body.signIns[0].country, 'GB');
      assert.equal(log.body.signIns[0].protocol, 'web');
      const all = await api.call('GET', '/api/v1/signins?user=carol@example.org&since=2020-01-01');
      assert.equal(all.body.signIns.length, 1);
      const badQuery = await api.call('GET', '/api/v1/signins?result=maybe');
      assert.equal(badQuery.status, 400);
      const { records } = await api.app.audit.search({ mailbox: 'carol@example.org', limit: 100 });
      const resetRecord = records.find((record) => record.operation === 'ResetPassword');
      assert.equal(resetRecord?.actor, 'token:ops-admin');
      assert.ok(records.some((record) => record.operation === 'UnlockUser'));
    });
  });
}
