import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runMailwarden } from '../support/cli-process.js';
import { createPostgresDatabase, makeTempDir, type StoreKind, storeKinds } from '../support/test-app.js';

const PASSWORD = 'lantern-orchard-piano\n';

for (const kind of storeKinds) {
  describe(`removing from the command line (${kind})`, () => {
    const temp = makeTempDir();
    let env: Record<string, string>;
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
    const cli = (args: string[], input?: string) => runMailwarden(args, { env, input });
    const ok = async (args: string[], input?: string) => {
      const result = await cli(args, input);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return result;
    };
    /** A refusal: exit 1, the code in --json on stdout, the message on stderr. */
    const refused = async (args: string[]) => {
      const result = await cli([...args, '--json']);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      return { code: JSON.parse(result.stdout).error.code as string, stderr: result.stderr };
    };
    before(async () => {
      postgres = kind === ('postgres' as StoreKind) ? await createPostgresDatabase() : null;
      env = { MAILWARDEN_DATA_DIR: temp.dir, ...(postgres ? { MAILWARDEN_DATABASE_URL: postgres.url } : {}) };
      await ok(['domain', 'add', 'example.org']);
      await ok(['domain', 'add', 'gone.test']);
      await ok(['user', 'add', 'root@example.org', '--admin', '--password-stdin'], PASSWORD);
      await ok(['user', 'add', 'ann@example.org', '--password-stdin'], PASSWORD);
      await ok(['user', 'add', 'u1@gone.test', '--password-stdin'], PASSWORD);
      await ok(['user', 'add', 'u2@gone.test', '--password-stdin'], PASSWORD);
      await ok(['user', 'alias', 'add', 'ann@example.org', 'ann@gone.test']);
      await ok(['user', 'alias', 'add', 'ann@example.org', 'sales@example.org']);
      await ok(['group', 'add', 'ops']);
      await ok(['group', 'member', 'add', 'ops', 'ann@example.org']);
    });
    after(async () => {
      await postgres?.drop();
      temp.remove();
    });

    test('user alias remove takes the alias away; again is refused with exit 1', async () => {
      const removed = await ok(['user', 'alias', 'remove', 'ann@example.org', 'sales@example.org', '--json']);
      assert.deepEqual(JSON.parse(removed.stdout).aliases, ['ann@gone.test']);
      const again = await refused(['user', 'alias', 'remove', 'ann@example.org', 'sales@example.org']);
      assert.equal(again.code, 'alias-not-found');
      assert.match(again.stderr, /ann@example\.org has no alias sales@example\.org/);
    });

    test('group member remove: a non-member is refused clearly, a member is removed', async () => {
      const notMember = await refused(['group', 'member', 'remove', 'ops', 'root@example.org']);
      assert.equal(notMember.code, 'not-a-member');
      assert.match(notMember.stderr, /root@example\.org is not a member of group ops/);
      const removed = await ok(['group', 'member', 'remove', 'ops', 'ann@example.org']);
      assert.match(removed.stdout, /group ops: \(no members\)/);
    });

    test('group delete removes the group; again: group-not-found', async () => {
      const deleted = await ok(['group', 'delete', 'ops', '--json']);
      assert.deepEqual(JSON.parse(deleted.stdout), { name: 'ops', members: [] });
      assert.equal((await refused(['group', 'delete', 'ops'])).code, 'group-not-found');
    });

    test('domain remove is refused while users or aliases are in it, naming them; --with-users removes them', async () => {
      const inUse = await refused(['domain', 'remove', 'gone.test']);
      assert.equal(inUse.code, 'domain-in-use');
      assert.match(inUse.stderr, /u1@gone\.test, u2@gone\.test/);
      assert.match(inUse.stderr, /ann@gone\.test \(of ann@example\.org\)/);
      assert.match(inUse.stderr, /--with-users/);
      const removed = await ok(['domain', 'remove', 'gone.test', '--with-users']);
      assert.equal(
        removed.stdout,
        'deleted user u1@gone.test\ndeleted user u2@gone.test\nremoved alias ann@gone.test\nremoved domain gone.test\n',
      );
      assert.equal((await refused(['user', 'show', 'u1@gone.test'])).code, 'user-not-found');
      assert.equal((await refused(['domain', 'remove', 'gone.test'])).code, 'domain-not-found');
    });

    test('user delete: the last admin is refused; a user is deleted; again: no user', async () => {
      const last = await refused(['user', 'delete', 'root@example.org']);
      assert.equal(last.code, 'last-admin');
      assert.match(last.stderr, /root@example\.org is the last administrator/);
      const deleted = await ok(['user', 'delete', 'ann@example.org', '--json']);
      assert.equal(JSON.parse(deleted.stdout).address, 'ann@example.org');
      const again = await refused(['user', 'delete', 'ann@example.org']);
      assert.equal(again.code, 'user-not-found');
      assert.match(again.stderr, /no user ann@example\.org/);
    });

    test('every removal is in the audit log, the deleted users’ records are still found, and audit verify passes', async () => {
      const search = await ok(['audit', 'search', '--mailbox', 'u1@gone.test', '--json']);
      const operations = JSON.parse(search.stdout).map((r: { operation: string }) => r.operation);
      assert.deepEqual(operations, ['RemoveUser', 'AddUser']);
      const counts = JSON.parse((await ok(['audit', 'search', '--counts', '--json'])).stdout);
      assert.deepEqual(
        ['RemoveAlias', 'RemoveGroupMember', 'RemoveGroup', 'RemoveDomain', 'RemoveUser'].map(
          (op) => counts[op],
        ),
        [2, 1, 1, 1, 3],
      );
      await ok(['audit', 'verify']);
    });
  });
}
