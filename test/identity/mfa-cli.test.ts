import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runMailwarden } from '../support/cli-process.js';
import { makeTempDir } from '../support/test-app.js';

describe('mailwarden user mfa and token --owner', () => {
  const temp = makeTempDir();
  after(() => temp.remove());
  const env = { MAILWARDEN_DATA_DIR: temp.dir };
  const run = (...args: string[]) => runMailwarden(args, { env, input: 'correct horse battery staple\n' });

  test('an admin shows, enforces and resets a user’s MFA, each action audited with the CLI actor', async () => {
    assert.equal((await run('domain', 'add', 'example.org')).code, 0);
    assert.equal((await run('user', 'add', 'dan@example.org', '--password-stdin')).code, 0);
    const shown = await run('user', 'mfa', 'show', 'dan@example.org', '--json');
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(
      { state: JSON.parse(shown.stdout).state, totp: JSON.parse(shown.stdout).totp },
      { state: 'disabled', totp: false },
    );
    const enforced = await run('user', 'mfa', 'enforce', 'dan@example.org', '--json');
    assert.equal(enforced.code, 0, enforced.stderr);
    assert.equal(JSON.parse(enforced.stdout).state, 'enforced');
    assert.equal(JSON.parse(enforced.stdout).requiredBy, 'admin-enforced');
    const reset = await run('user', 'mfa', 'reset', 'dan@example.org', '--json');
    assert.equal(JSON.parse(reset.stdout).state, 'disabled');
    const missing = await run('user', 'mfa', 'show', 'nobody@example.org');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no user nobody@example\.org/);
    const audit = await run('audit', 'search', '--mailbox', 'dan@example.org', '--json');
    const operations = (JSON.parse(audit.stdout) as { operation: string; actor: string }[]).filter(
      (record) => record.operation === 'EnforceMfa' || record.operation === 'ResetMfa',
    );
    assert.equal(operations.length, 2, audit.stdout.slice(0, 500));
    assert.ok(operations.every((record) => record.actor.startsWith('cli:')));
  });

  test('a token can be owned by an admin only', async () => {
    const refused = await run('token', 'create', '--name', 'dan-token', '--owner', 'dan@example.org');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not an admin/);
    assert.equal((await run('user', 'add', 'eve@example.org', '--admin', '--password-stdin')).code, 0);
    const created = await run(
      'token',
      'create',
      '--name',
      'eve-token',
      '--owner',
      'eve@example.org',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.ok(JSON.parse(created.stdout).ownerUserId);
  });
});
