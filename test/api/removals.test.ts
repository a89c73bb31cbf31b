import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addUser, cliActor, storeKinds } from '../support/test-app.js';
import { type ApiHarness, createApiHarness, PASSWORD } from './api-harness.js';

for (const kind of storeKinds) {
  describe(`removing users, aliases, domains and groups over the API (${kind})`, () => {
    let api: ApiHarness;
    before(async () => {
      api = await createApiHarness(kind);
      await addUser(api.app, 'root@example.com', PASSWORD, { role: 'admin' });
    });
    after(() => api.cleanup());

    const operationsOf = async (mailbox: string) =>
      (await api.app.audit.search({ mailbox, limit: 100 })).records.map((record) => record.operation);

    test('a deleted user is refused at once everywhere: web session, owned API token, app password, account password', async () => {
      await addUser(api.app, 'ann@example.com', PASSWORD, { role: 'admin' });
      const ann = (await api.app.directory.findUser('ann@example.com'))!;
      await api.app.directory.addAlias(ann.address, 'ann.alias@example.com', cliActor);
      await api.app.directory.addGroup('ops', cliActor);
      await api.app.directory.addGroupMember('ops', ann.address, cliActor);
      const appPassword = await api.app.identity.createAppPassword(
        ann.address,
        { name: 'phone', scopes: ['smtp', 'imap'] },
        cliActor,
      );
      assert.ok(appPassword.ok);
      const token = await api.app.directory.createApiToken(
        { name: 'ann-token', role: 'admin', owner: ann.address },
        cliActor,
      );
      assert.ok(token.ok);
      const session = await api.app.identity.webSessions.create({
        userId: ann.id,
        stage: 'complete',
        secondFactor: 'totp',
        clientIp: null,
        userAgent: null,
      });
      const account = () =>
        api.http.request('/account', { headers: { cookie: `__Host-mw_session=${session.token}` } });
      const mailSignIn = (secret: string) =>
        api.app.identity.signIn({ login: ann.address, secret, protocol: 'imap', clientIp: null });
      // Each way in works before the delete (and the verified-credential cache holds the password).
      assert.equal((await api.call('GET', '/api/v1/users', { token: token.token })).status, 200);
      assert.equal((await account()).status, 200);
      assert.equal((await mailSignIn(appPassword.password)).ok, true);
      const web = await api.app.identity.signIn({
        login: ann.address,
        secret: PASSWORD,
        protocol: 'web',
        clientIp: null,
      });
      assert.equal(web.ok, true);

      const deleted = await api.call('DELETE', '/api/v1/users/ANN@example.com');
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.deepEqual(deleted.body.user, {
        id: ann.id,
        address: ann.address,
        role: 'admin',
        aliases: ['ann.alias@example.com'],
        groups: ['ops'],
        revokedApiTokens: ['ann-token'],
      });

      assert.equal((await api.call('GET', '/api/v1/users', { token: token.token })).status, 401);
      const page = await account();
      assert.equal(page.status, 303);
      assert.match(page.headers.get('location') ?? '', /^\/account\/sign-in/);
      assert.equal((await mailSignIn(appPassword.password)).ok, false);
      const again = await api.app.identity.signIn({
        login: ann.address,
        secret: PASSWORD,
        protocol: 'web',
        clientIp: null,
      });
      assert.equal(again.ok, false);
      // The addresses are free again, and every credential row is gone with the user.
      assert.equal(await api.app.directory.findUser('ann.alias@example.com'), null);
      for (const table of ['web_sessions', 'app_passwords', 'addresses', 'group_members'] as const) {
        const left = await api.app.store.db
          .selectFrom(table)
          .select('user_id')
          .where('user_id', '=', ann.id)
          .execute();
        assert.equal(left.length, 0, table);
      }
      assert.deepEqual((await api.call('GET', '/api/v1/groups')).body.groups, [{ name: 'ops', members: [] }]);
    });

    test('the deleted user’s audit records stay searchable, the removal is recorded, and the chain verifies', async () => {
      const operations = await operationsOf('ann@example.com');
      for (const earlier of [
        'RemoveUser',
        'AddUser',
        'AddAlias',
        'AddGroupMember',
        'CreateAppPassword',
        'MailboxLogin',
      ])
        assert.ok(operations.includes(earlier), `${earlier} is found by mailbox`);
      const signIns = await api.call('GET', '/api/v1/signins?user=ann@example.com');
      assert.equal(signIns.status, 200);
      assert.ok(signIns.body.signIns.length >= 2, 'the sign-in log of the deleted user stays');
      const verified = await api.app.audit.verify();
      assert.equal(verified.ok, true, JSON.stringify(verified));
    });

    test('deleting again answers 404 user-not-found', async () => {
      const repeat = await api.call('DELETE', '/api/v1/users/ann@example.com');
      assert.equal(repeat.status, 404);
      assert.equal(repeat.body.error.code, 'user-not-found');
    });

    test('the last administrator cannot be deleted (409 last-admin), and nothing changes', async () => {
      const refused = await api.call('DELETE', '/api/v1/users/root@example.com');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'last-admin');
      assert.match(refused.body.error.message, /root@example\.com is the last administrator/);
      assert.equal((await api.call('GET', '/api/v1/users/root@example.com')).status, 200);
      assert.equal((await operationsOf('root@example.com')).includes('RemoveUser'), false);
    });

    test('an auditor token may delete nothing (403)', async () => {
      await addUser(api.app, 'kept@example.com', PASSWORD);
      await api.app.directory.addGroup('kept', cliActor);
      for (const path of [
        '/api/v1/users/kept@example.com',
        '/api/v1/users/kept@example.com/aliases/x@example.com',
        '/api/v1/domains/example.com?withUsers=true',
        '/api/v1/groups/kept',
        '/api/v1/groups/kept/members/kept@example.com',
      ]) {
        const response = await api.call('DELETE', path, { token: api.auditorToken });
        assert.equal(response.status, 403, path);
        assert.equal(response.body.error.code, 'forbidden');
      }
      assert.equal((await api.call('GET', '/api/v1/users/kept@example.com')).status, 200);
    });

    test('removes an alias; the primary address and a missing alias are refused with 404', async () => {
      await api.call('POST', '/api/v1/users/kept@example.com/aliases', {
        json: { alias: 'sales@example.com' },
      });
      const removed = await api.call('DELETE', '/api/v1/users/kept@example.com/aliases/Sales@example.com');
      assert.equal(removed.status, 200);
      assert.deepEqual(removed.body.user.aliases, []);
      const repeat = await api.call('DELETE', '/api/v1/users/kept@example.com/aliases/sales@example.com');
      assert.equal(repeat.status, 404);
      assert.equal(repeat.body.error.code, 'alias-not-found');
      const primary = await api.call('DELETE', '/api/v1/users/kept@example.com/aliases/kept@example.com');
      assert.equal(primary.status, 404);
      assert.match(primary.body.error.message, /primary address/);
      assert.ok((await operationsOf('kept@example.com')).includes('RemoveAlias'));
    });

    test('group members and groups: removal, a non-member refused (404 not-a-member), a group in a policy scope refused', async () => {
      await api.call('POST', '/api/v1/groups/kept/members', { json: { user: 'kept@example.com' } });
      const notMember = await api.call('DELETE', '/api/v1/groups/kept/members/root@example.com');
      assert.equal(notMember.status, 404);
      assert.equal(notMember.body.error.code, 'not-a-member');
      assert.match(notMember.body.error.message, /root@example\.com is not a member of group kept/);
      const removed = await api.call('DELETE', '/api/v1/groups/kept/members/kept@example.com');
      assert.equal(removed.status, 200);
      assert.deepEqual(removed.body.group, { name: 'kept', members: [] });
      assert.ok((await operationsOf('kept@example.com')).includes('RemoveGroupMember'));

      await api.call('PUT', '/api/v1/policies/for-kept', { json: { groups: ['kept'] } });
      const inUse = await api.call('DELETE', '/api/v1/groups/kept');
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.error.code, 'group-in-use');
      assert.match(inUse.body.error.message, /for-kept/);
      assert.equal((await api.call('DELETE', '/api/v1/policies/for-kept')).status, 204);
      const deleted = await api.call('DELETE', '/api/v1/groups/kept');
      assert.equal(deleted.status, 200);
      assert.equal((await api.call('DELETE', '/api/v1/groups/kept')).status, 404);
      assert.equal((await api.call('DELETE', '/api/v1/groups/nope/members/kept@example.com')).status, 404);
    });

    test('a domain with users or aliases is refused naming them; withUsers=true removes each, audited', async () => {
      await api.call('POST', '/api/v1/domains', { json: { name: 'gone.test' } });
      await addUser(api.app, 'u1@gone.test', PASSWORD);
      await addUser(api.app, 'u2@gone.test', PASSWORD);
      await api.call('POST', '/api/v1/users/kept@example.com/aliases', { json: { alias: 'kept@gone.test' } });
      const refused = await api.call('DELETE', '/api/v1/domains/gone.test');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'domain-in-use');
      for (const name of ['u1@gone.test', 'u2@gone.test', 'kept@gone.test (of kept@example.com)'])
        assert.ok(refused.body.error.message.includes(name), name);
      assert.equal((await api.call('GET', '/api/v1/users/u1@gone.test')).status, 200);

      const removed = await api.call('DELETE', '/api/v1/domains/gone.test?withUsers=true');
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.deepEqual(removed.body.domain, {
        name: 'gone.test',
        removedUsers: ['u1@gone.test', 'u2@gone.test'],
        removedAliases: ['kept@gone.test'],
      });
      for (const user of ['u1@gone.test', 'u2@gone.test']) {
        assert.equal((await api.call('GET', `/api/v1/users/${user}`)).status, 404);
        assert.equal((await operationsOf(user))[0], 'RemoveUser');
      }
      assert.ok((await operationsOf('kept@example.com')).includes('RemoveAlias'));
      assert.deepEqual(
        (await api.call('GET', '/api/v1/domains')).body.domains.map((d: { name: string }) => d.name),
        ['example.com'],
      );
      const domainRecords = await api.app.audit.search({ operations: ['RemoveDomain'], limit: 10 });
      assert.equal(domainRecords.records.length, 1);
      assert.equal((await api.call('DELETE', '/api/v1/domains/gone.test')).status, 404);
      assert.equal((await api.app.audit.verify()).ok, true);
    });

    test('a domain whose removal would take the last administrator is refused whole', async () => {
      const refused = await api.call('DELETE', '/api/v1/domains/example.com?withUsers=true');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'last-admin');
      assert.equal((await api.call('GET', '/api/v1/users/kept@example.com')).status, 200);
    });
  });
}
