import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runMailwarden } from '../support/cli-process.js';
import { createPostgresDatabase, makeTempDir, type StoreKind, storeKinds } from '../support/test-app.js';

const PASSWORD = 'lantern-orchard-piano';

for (const kind of storeKinds) {
  describe(`mailwarden user secure and user rules, without a mail server (${kind})`, () => {
    const temp = makeTempDir();
    let env: Record<string, string>;
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | null = null;
    const cli = (args: string[], input?: string) => runMailwarden(args, { env, input });

    before(async () => {
      postgres = kind === ('postgres' as StoreKind) ? await createPostgresDatabase() : null;
      env = { MAILWARDEN_DATA_DIR: temp.dir, ...(postgres ? { MAILWARDEN_DATABASE_URL: postgres.url } : {}) };
      assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
      for (const [address, admin] of [
        ['alice@example.org', false],
        ['root@example.org', true],
      ] as const) {
        const added = await cli(
          ['user', 'add', address, '--password-stdin', ...(admin ? ['--admin'] : [])],
          `${PASSWORD}\n`,
        );
        assert.equal(added.code, 0, added.stderr);
      }
    });
    after(async () => {
      await postgres?.drop();
      temp.remove();
    });

    test('user secure prints the temporary password alone on stdout and every step on stderr', async () => {
      const created = await cli([
        'app-password',
        'create',
        'alice@example.org',
        '--name',
        'laptop',
        '--scope',
        'imap',
      ]);
      assert.equal(created.code, 0, created.stderr);
      const secured = await cli(['user', 'secure', 'alice@example.org']);
      assert.equal(secured.code, 0, secured.stderr);
      assert.match(secured.stdout, /^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}\n$/);
      assert.match(secured.stderr, /reset-password\s+done\s+.*app passwords revoked: laptop/);
      assert.match(secured.stderr, /require-mfa\s+done/);
      assert.match(secured.stderr, /disable-inbox-rules\s+skipped\s+no mail server is configured/);
      assert.match(secured.stderr, /release\s+skipped\s+not asked/);
      // The old password is gone: the temporary one is the only one that works (on the web).
      const listed = await cli(['app-password', 'list', 'alice@example.org', '--json']);
      assert.deepEqual(JSON.parse(listed.stdout), []);
    });

    test('an admin’s own API tokens are revoked with the rest; a release that is not due is reported', async () => {
      const token = await cli([
        'token',
        'create',
        '--name',
        'root-laptop',
        '--role',
        'admin',
        '--owner',
        'root@example.org',
      ]);
      assert.equal(token.code, 0, token.stderr);
      const secured = await cli(['user', 'secure', 'root@example.org', '--release', 'phished', '--json']);
      assert.equal(secured.code, 0, secured.stderr);
      const body = JSON.parse(secured.stdout) as {
        complete: boolean;
        steps: Array<{ step: string; status: string; detail: string }>;
      };
      const step = (name: string) => body.steps.find((entry) => entry.step === name);
      assert.equal(step('revoke-api-tokens')?.status, 'done');
      assert.match(step('revoke-api-tokens')?.detail ?? '', /root-laptop/);
      assert.equal(step('release')?.status, 'unchanged', 'root was never restricted');
      assert.equal(body.complete, true);
      const tokens = await cli(['token', 'list', '--json']);
      assert.equal(
        (JSON.parse(tokens.stdout) as Array<{ name: string; revoked: boolean }>).find(
          (entry) => entry.name === 'root-laptop',
        )?.revoked,
        true,
      );
    });

    test('user rules without a mail server is refused with what to configure, and an unknown user is named', async () => {
      const rules = await cli(['user', 'rules', 'alice@example.org', '--json']);
      assert.equal(rules.code, 1);
      assert.equal(JSON.parse(rules.stdout).error.code, 'mail-server-not-configured');
      assert.match(rules.stderr, /dovecot\.doveadmUrl/);
      const nobody = await cli(['user', 'secure', 'nobody@example.org']);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /no user nobody@example.org \(user-not-found\)/);
      assert.equal(nobody.stdout, '');
    });
  });
}
