import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { runMailwarden } from '../support/cli-process.js';
import { makeTempDir } from '../support/test-app.js';

describe('the mailwarden executable', () => {
  const temp = makeTempDir('mailwarden-cli-');
  const env = { MAILWARDEN_DATA_DIR: path.join(temp.dir, 'data') };
  const cli = (args: string[], input?: string) => runMailwarden(args, { env, input });
  after(() => temp.remove());

  before(async () => {
    const added = await cli(['domain', 'add', 'Example.ORG', '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).name, 'example.org');
  });

  test('creates a user from a password on stdin and prints it as JSON', async () => {
    const result = await cli(
      ['user', 'add', 'Alice@Example.org', '--name', 'Alice Archer', '--admin', '--password-stdin', '--json'],
      'alice-password-123\n',
    );
    assert.equal(result.code, 0, result.stderr);
    const user = JSON.parse(result.stdout);
    assert.equal(user.address, 'alice@example.org');
    assert.equal(user.displayName, 'Alice Archer');
    assert.equal(user.role, 'admin');
    assert.equal(user.disabled, false);
  });

  test('refuses a malformed address, a foreign domain, a duplicate and a short password with clear errors', async () => {
    const malformed = await cli(
      ['user', 'add', 'not an address', '--password-stdin'],
      'long-enough-password',
    );
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /not a valid email address/);
    const foreign = await cli(
      ['user', 'add', 'eve@elsewhere.test', '--password-stdin'],
      'long-enough-password',
    );
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /elsewhere\.test is not a domain of the organization/);
    const duplicate = await cli(
      ['user', 'add', 'ALICE@example.org', '--password-stdin', '--json'],
      'long-enough-password',
    );
    assert.equal(duplicate.code, 1);
    assert.equal(JSON.parse(duplicate.stdout).error.code, 'address-taken');
    const short = await cli(['user', 'add', 'bob@example.org', '--password-stdin'], 'short');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 12 characters/);
  });

  test('never takes a password as an argument', async () => {
    const result = await cli(['user', 'add', 'carl@example.org', 'secret-password-1']);
    assert.equal(result.code, 2);
  });

  test('lists, shows, disables, enables, aliases and re-passwords users', async () => {
    assert.equal(
      (await cli(['user', 'add', 'bob@example.org', '--password-stdin'], 'bob-password-4567')).code,
      0,
    );
    const aliased = await cli(['user', 'alias', 'add', 'bob@example.org', 'Billing@example.org', '--json']);
    assert.equal(aliased.code, 0, aliased.stderr);
    assert.deepEqual(JSON.parse(aliased.stdout).aliases, ['billing@example.org']);
    const disabled = await cli(['user', 'disable', 'billing@example.org', '--json']);
    assert.equal(JSON.parse(disabled.stdout).disabled, true, 'a user can be named by an alias');
    const enabled = await cli(['user', 'enable', 'bob@example.org', '--json']);
    assert.equal(JSON.parse(enabled.stdout).disabled, false);
    const changed = await cli(
      ['user', 'set-password', 'bob@example.org', '--password-stdin', '--json'],
      'another-password-99',
    );
    assert.equal(changed.code, 0, changed.stderr);
    const list = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as Array<{ address: string }>;
    assert.deepEqual(
      list.map((user) => user.address),
      ['alice@example.org', 'bob@example.org'],
    );
    const shown = await cli(['user', 'show', 'bob@example.org']);
    assert.match(shown.stdout, /billing@example\.org/);
    const missing = await cli(['user', 'show', 'nobody@example.org']);
    assert.equal(missing.code, 1);
  });

  test('shows an API token once and stores only its hash', async () => {
    const created = await cli(['token', 'create', '--name', 'automation', '--role', 'admin', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { token } = JSON.parse(created.stdout) as { token: string };
    assert.match(token, /^mwt_[A-Za-z0-9_-]{43}$/);
    const database = new SqliteDatabase(path.join(env.MAILWARDEN_DATA_DIR, 'mailwarden.sqlite'), {
      readonly: true,
    });
    const rows = database.prepare('select * from api_tokens').all();
    database.close();
    assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is not stored');
    const listed = await cli(['token', 'list', '--json']);
    assert.ok(!listed.stdout.includes(token));
  });

  test('searches the audit log and finds every admin action with its actor', async () => {
    const result = await cli(['audit', 'search', '--operation', 'AddUser,AddAlias', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const records = JSON.parse(result.stdout) as Array<{ operation: string; mailbox: string; actor: string }>;
    assert.deepEqual(
      records.map((record) => `${record.operation} ${record.mailbox}`),
      ['AddAlias bob@example.org', 'AddUser bob@example.org', 'AddUser alice@example.org'],
    );
    assert.ok(records.every((record) => record.actor.startsWith('cli:')));
    const byMailbox = JSON.parse(
      (await cli(['audit', 'search', '--mailbox', 'alice@example.org', '--since', '1h', '--json'])).stdout,
    );
    assert.ok(byMailbox.length >= 1);
    const badOperation = await cli(['audit', 'search', '--operation', 'Nonsense']);
    assert.equal(badOperation.code, 2);
  });

  test('audit verify passes, then fails loudly and names the record altered behind Mailwarden’s back', async () => {
    const intact = await cli(['audit', 'verify', '--json']);
    assert.equal(intact.code, 0, intact.stderr);
    assert.equal(JSON.parse(intact.stdout).ok, true);
    const database = new SqliteDatabase(path.join(env.MAILWARDEN_DATA_DIR, 'mailwarden.sqlite'));
    assert.throws(
      () => database.prepare("update audit_log set actor = 'nobody' where id = 2").run(),
      /append-only/,
    );
    database.exec('drop trigger audit_log_no_update');
    database.prepare("update audit_log set actor = 'nobody' where id = 2").run();
    database.close();
    const broken = await cli(['audit', 'verify']);
    assert.equal(broken.code, 3);
    assert.match(broken.stderr, /AUDIT CHAIN BROKEN at record 2 \(altered\)/);
  });

  test('config show redacts secrets and a broken config lists every problem at once', async () => {
    const shown = await runMailwarden(['config', 'show', '--json'], {
      env: { ...env, MAILWARDEN_RELAY_URL: 'smtps://relayuser:s3cret-pass@relay.example.org:465' },
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.ok(!shown.stdout.includes('s3cret-pass'));
    assert.equal(JSON.parse(shown.stdout).relay.url, 'smtps://relayuser:***@relay.example.org:465');
    const yaml = path.join(temp.dir, 'broken.yaml');
    writeFileSync(yaml, 'smtp:\n  port: 70000\n  colour: blue\n');
    const broken = await runMailwarden(['config', 'show', '--config', yaml], {
      env: { ...env, MAILWARDEN_HTTP_PORT: 'eighty', MAILWARDEN_RELAY_URL: 'ftp://x' },
    });
    assert.equal(broken.code, 2);
    for (const expected of ['smtp.port', 'smtp.colour', 'MAILWARDEN_HTTP_PORT', 'relay.url'])
      assert.ok(broken.stderr.includes(expected), `${expected} is reported:\n${broken.stderr}`);
    assert.match(broken.stderr, /4 problem/);
  });

  test('names an unknown command, points to the help, and exits 2', async () => {
    const result = await cli(['frobnicate']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "frobnicate"[\s\S]*mailwarden help/);
  });

  test('keeps the data dir self-contained', () => {
    const files = readdirSync(env.MAILWARDEN_DATA_DIR);
    assert.ok(files.includes('mailwarden.sqlite'));
    assert.ok(readFileSync(path.join(env.MAILWARDEN_DATA_DIR, 'mailwarden.sqlite')).length > 0);
  });
});
