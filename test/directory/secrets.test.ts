import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { createPasswordHasher } from '../../src/identity/index.js';
import { createManualClock } from '../../src/runtime/clock.js';
import { addUser, cliActor, createTestApp, storeKinds, type TestApp } from '../support/test-app.js';

const PASSWORD = 'Tr0ub4dor & 3 horses';
const NEW_PASSWORD = 'a different passphrase 42';

/** Every value of every row of every table, as text: where a secret must never appear. */
async function everythingStored(app: App): Promise<string> {
  const tables = ['domains', 'users', 'addresses', 'api_tokens', 'audit_log', 'meta'] as const;
  const dumps = await Promise.all(
    tables.map((table) => app.store.db.selectFrom(table).selectAll().execute()),
  );
  return JSON.stringify(dumps);
}

async function passwordHashOf(app: App, address: string): Promise<string> {
  const row = await app.directory.findLoginRow(address);
  assert.ok(row?.password_hash, `${address} has a password hash`);
  return row.password_hash;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

for (const kind of storeKinds) {
  describe(`passwords at rest on ${kind}`, () => {
    let harness: TestApp;
    before(async () => {
      harness = await createTestApp(kind);
    });
    after(async () => {
      await harness.cleanup();
    });

    test('the stored password hash is argon2id and never the password', async () => {
      const { app } = harness;
      await addUser(app, 'alice@example.org', PASSWORD);
      const hash = await passwordHashOf(app, 'alice@example.org');
      assert.ok(hash.startsWith('$argon2id$'), hash);
      assert.ok(!(await everythingStored(app)).includes(PASSWORD), 'the password is stored nowhere');
      const hasher = createPasswordHasher();
      assert.equal(await hasher.verify(hash, PASSWORD), true);
      assert.equal(await hasher.verify(hash, `${PASSWORD}!`), false);
    });

    test('a new password replaces the hash with a fresh argon2id one', async () => {
      const { app } = harness;
      const before = await passwordHashOf(app, 'alice@example.org');
      const changed = await app.directory.setPassword('alice@example.org', NEW_PASSWORD, cliActor);
      assert.ok(changed.ok);
      const after = await passwordHashOf(app, 'alice@example.org');
      assert.ok(after.startsWith('$argon2id$'), after);
      assert.notEqual(after, before);
      const stored = await everythingStored(app);
      assert.ok(!stored.includes(PASSWORD) && !stored.includes(NEW_PASSWORD), 'neither password is stored');
      const hasher = createPasswordHasher();
      assert.equal(await hasher.verify(after, NEW_PASSWORD), true);
      assert.equal(await hasher.verify(after, PASSWORD), false);
    });

    test('two users with the same password get different hashes (salted)', async () => {
      const { app } = harness;
      await addUser(app, 'bob@example.org', NEW_PASSWORD);
      assert.notEqual(
        await passwordHashOf(app, 'alice@example.org'),
        await passwordHashOf(app, 'bob@example.org'),
      );
    });
  });

  describe(`API tokens on ${kind}`, () => {
    let harness: TestApp;
    const clock = createManualClock(Date.UTC(2025, 5, 1));
    before(async () => {
      harness = await createTestApp(kind, { clock });
    });
    after(async () => {
      await harness.cleanup();
    });

    test('the secret is shown once: only its SHA-256 is stored', async () => {
      const { app } = harness;
      const created = await app.directory.createApiToken({ name: 'ops', role: 'admin' }, cliActor);
      assert.ok(created.ok);
      assert.match(created.token, /^mwt_[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
      const row = await app.store.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('name', '=', 'ops')
        .executeTakeFirst();
      assert.equal(row?.token_hash, sha256Hex(created.token));
      const secret = created.token.slice('mwt_'.length);
      assert.ok(!(await everythingStored(app)).includes(secret), 'the secret is stored nowhere');
      const listed = JSON.stringify(await app.directory.listApiTokens());
      assert.ok(
        !listed.includes(secret) && !listed.includes(row.token_hash),
        'listing shows neither secret nor hash',
      );
      assert.ok(!JSON.stringify(created.record).includes(secret));
      assert.deepEqual(Object.keys(created.record).sort(), [
        'createdAt',
        'createdBy',
        'id',
        'lastUsedAt',
        'name',
        'ownerUserId',
        'revoked',
        'role',
      ]);
    });

    test('two tokens never share a secret', async () => {
      const { app } = harness;
      const first = await app.directory.createApiToken({ name: 'first', role: 'auditor' }, cliActor);
      const second = await app.directory.createApiToken({ name: 'second', role: 'auditor' }, cliActor);
      assert.ok(first.ok && second.ok);
      assert.notEqual(first.token, second.token);
    });

    test('the token verifies, and any other string does not', async () => {
      const { app } = harness;
      const created = await app.directory.createApiToken({ name: 'ci', role: 'auditor' }, cliActor);
      assert.ok(created.ok);
      const verified = await app.directory.verifyApiToken(created.token);
      assert.equal(verified?.name, 'ci');
      assert.equal(verified?.role, 'auditor');
      const lastCharacter = created.token.at(-1) === 'A' ? 'B' : 'A';
      for (const other of [
        '',
        'mwt_',
        created.token.slice(0, -1),
        `${created.token}x`,
        created.token.slice(0, -1) + lastCharacter,
        created.token.toUpperCase(),
        created.token.slice('mwt_'.length),
        ` ${created.token}`,
        sha256Hex(created.token),
        `mwt_${'A'.repeat(43)}`,
        `${created.token}${'x'.repeat(300)}`,
      ]) {
        assert.equal(await app.directory.verifyApiToken(other), null, `"${other}" does not verify`);
      }
    });

    test('using a token records when it was last used', async () => {
      const { app } = harness;
      const created = await app.directory.createApiToken({ name: 'usage', role: 'admin' }, cliActor);
      assert.ok(created.ok);
      assert.equal(created.record.lastUsedAt, null);
      clock.advanceMs(5000);
      await app.directory.verifyApiToken(created.token);
      const listed = (await app.directory.listApiTokens()).find((token) => token.name === 'usage');
      assert.equal(listed?.lastUsedAt, new Date(clock.nowMs()).toISOString());
    });

    test('a revoked token no longer verifies', async () => {
      const { app } = harness;
      const created = await app.directory.createApiToken({ name: 'leaked', role: 'admin' }, cliActor);
      assert.ok(created.ok);
      assert.ok(await app.directory.verifyApiToken(created.token));
      const revoked = await app.directory.revokeApiToken('leaked', cliActor);
      assert.ok(revoked.ok);
      assert.equal(revoked.record.revoked, true);
      assert.equal(await app.directory.verifyApiToken(created.token), null);
      const again = await app.directory.revokeApiToken('leaked', cliActor);
      assert.ok(again.ok, 'revoking twice is harmless');
      assert.equal(await app.directory.verifyApiToken(created.token), null);
      const listed = (await app.directory.listApiTokens()).find((token) => token.name === 'leaked');
      assert.equal(listed?.revoked, true);
      const ops = await app.directory.listApiTokens();
      assert.ok(
        ops.some((token) => token.name === 'ops' && !token.revoked),
        'other tokens are untouched',
      );
    });

    test('refuses a duplicate or malformed token name', async () => {
      const { app } = harness;
      const duplicate = await app.directory.createApiToken({ name: 'ops', role: 'auditor' }, cliActor);
      assert.equal(duplicate.ok ? 'ok' : duplicate.code, 'token-name-taken');
      for (const name of ['', 'has space', 'x'.repeat(65), 'semi;colon']) {
        const invalid = await app.directory.createApiToken({ name, role: 'auditor' }, cliActor);
        assert.equal(invalid.ok ? 'ok' : invalid.code, 'invalid-name', name);
      }
      const unknown = await app.directory.revokeApiToken('nope', cliActor);
      assert.equal(unknown.ok ? 'ok' : unknown.code, 'token-not-found');
    });
  });
}
