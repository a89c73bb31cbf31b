import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { SqlPreset } from '../../src/importing/index.js';
import { openSqlSource, SQL_PAGE_ROWS, sqlEntries } from '../../src/importing/sql-source.js';
import { createPostgresDatabase, createTestApp, makeTempDir, type TestApp } from '../support/test-app.js';
import {
  missingMariaDb,
  startThrowawayMariaDb,
  type ThrowawayMariaDb,
} from '../support/throwaway-mariadb.js';

const actor = { actor: 'cli:test', logonType: 'admin' as const };

function doveadmPw(scheme: string, password: string): string {
  return execFileSync('doveadm', ['pw', '-s', scheme, '-p', password], { encoding: 'utf8' }).trim();
}

async function addresses(t: TestApp) {
  const rows = await t.app.store.db
    .selectFrom('addresses')
    .innerJoin('users', 'users.id', 'addresses.user_id')
    .select(['addresses.address', 'addresses.kind', 'users.address as owner'])
    .orderBy('addresses.address')
    .execute();
  return rows.map((row) => `${row.address}:${row.kind}:${row.owner}`);
}

async function user(t: TestApp, address: string) {
  return t.app.store.db.selectFrom('users').selectAll().where('address', '=', address).executeTakeFirst();
}

// mailcow-dockerized, data/web/inc/init_db.inc.php ($db_version 26022024_1433): the columns of
// domain, mailbox and alias as mailcow creates them.
const MAILCOW_SCHEMA = `
CREATE TABLE domain (
  domain VARCHAR(255) NOT NULL, description VARCHAR(255), aliases INT(10) NOT NULL DEFAULT '0',
  mailboxes INT(10) NOT NULL DEFAULT '0', defquota BIGINT(20) NOT NULL DEFAULT '3072',
  maxquota BIGINT(20) NOT NULL DEFAULT '102400', quota BIGINT(20) NOT NULL DEFAULT '102400',
  relayhost VARCHAR(255) NOT NULL DEFAULT '0', backupmx TINYINT(1) NOT NULL DEFAULT '0',
  gal TINYINT(1) NOT NULL DEFAULT '1', relay_all_recipients TINYINT(1) NOT NULL DEFAULT '0',
  relay_unknown_only TINYINT(1) NOT NULL DEFAULT '0', created DATETIME(0) NOT NULL DEFAULT NOW(0),
  modified DATETIME ON UPDATE CURRENT_TIMESTAMP, active TINYINT(1) NOT NULL DEFAULT '1',
  PRIMARY KEY (domain)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE mailbox (
  username VARCHAR(255) NOT NULL, password VARCHAR(255) NOT NULL, name VARCHAR(255),
  description VARCHAR(255), mailbox_path_prefix VARCHAR(150) DEFAULT '/var/vmail/',
  quota BIGINT(20) NOT NULL DEFAULT '102400', local_part VARCHAR(255) NOT NULL,
  domain VARCHAR(255) NOT NULL, attributes JSON, custom_attributes JSON NOT NULL DEFAULT ('{}'),
  kind VARCHAR(100) NOT NULL DEFAULT '', multiple_bookings INT NOT NULL DEFAULT -1,
  authsource ENUM('mailcow', 'keycloak', 'generic-oidc', 'ldap') DEFAULT 'mailcow',
  created DATETIME(0) NOT NULL DEFAULT NOW(0), modified DATETIME ON UPDATE CURRENT_TIMESTAMP,
  active TINYINT(1) NOT NULL DEFAULT '1', PRIMARY KEY (username), KEY domain (domain), KEY kind (kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE alias (
  id INT NOT NULL AUTO_INCREMENT, address VARCHAR(255) NOT NULL, goto TEXT NOT NULL,
  domain VARCHAR(255) NOT NULL, created DATETIME(0) NOT NULL DEFAULT NOW(0),
  modified DATETIME ON UPDATE CURRENT_TIMESTAMP, private_comment TEXT, public_comment TEXT,
  sogo_visible TINYINT(1) NOT NULL DEFAULT '1', active TINYINT(1) NOT NULL DEFAULT '1',
  PRIMARY KEY (id), UNIQUE KEY address (address), KEY domain (domain)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;`;

// Postfix Admin, public/upgrade.php (MySQL layout): domain, mailbox, alias.
const POSTFIXADMIN_SCHEMA = `
CREATE TABLE domain (
  domain varchar(255) NOT NULL default '', description varchar(255) NOT NULL default '',
  aliases int(10) NOT NULL default '0', mailboxes int(10) NOT NULL default '0',
  maxquota bigint(20) NOT NULL default '0', quota bigint(20) NOT NULL default '0',
  transport varchar(255) default NULL, backupmx tinyint(1) NOT NULL default '0',
  created datetime NOT NULL default '2000-01-01 00:00:00', modified datetime NOT NULL default '2000-01-01 00:00:00',
  active tinyint(1) NOT NULL default '1', PRIMARY KEY (domain));
CREATE TABLE mailbox (
  username varchar(255) NOT NULL default '', password varchar(255) NOT NULL default '',
  name varchar(255) NOT NULL default '', maildir varchar(255) NOT NULL default '',
  quota bigint(20) NOT NULL default '0', local_part varchar(255) NOT NULL default '',
  domain varchar(255) NOT NULL default '', created datetime NOT NULL default '2000-01-01 00:00:00',
  modified datetime NOT NULL default '2000-01-01 00:00:00', active tinyint(1) NOT NULL default '1',
  PRIMARY KEY (username));
CREATE TABLE alias (
  address varchar(255) NOT NULL default '', goto text NOT NULL, domain varchar(255) NOT NULL default '',
  created datetime NOT NULL default '2000-01-01 00:00:00', modified datetime NOT NULL default '2000-01-01 00:00:00',
  active tinyint(1) NOT NULL default '1', PRIMARY KEY (address));`;

/** Pages of PAGE rows over a table of ROWS (n = 1..ROWS): more than one page, the last one short. */
const PAGE = 4;
const ROWS = 10;

/** The page sizes and the values of `SELECT n FROM paging ORDER BY n` read PAGE rows at a time. */
async function readInPages(url: string): Promise<{ sizes: number[]; values: number[] }> {
  const opened = await openSqlSource(url, { pageRows: PAGE });
  assert.ok(opened.ok, opened.ok ? '' : opened.message);
  const sizes: number[] = [];
  const values: number[] = [];
  try {
    for await (const page of opened.reader.pages('SELECT n FROM paging ORDER BY n')) {
      sizes.push(page.length);
      values.push(...page.map((row) => Number(row['n'])));
    }
  } finally {
    await opened.reader.close();
  }
  return { sizes, values };
}

/** Leaves a query after its first page; the reader still closes (nothing waits for the rest). */
async function leaveEarly(url: string): Promise<number[]> {
  const opened = await openSqlSource(url, { pageRows: PAGE });
  assert.ok(opened.ok, opened.ok ? '' : opened.message);
  const first: number[] = [];
  for await (const page of opened.reader.pages('SELECT n FROM paging ORDER BY n')) {
    first.push(...page.map((row) => Number(row['n'])));
    break;
  }
  await opened.reader.close();
  return first;
}

/** A preset's entries as read with `pageRows` rows a page. */
async function entriesInPagesOf(url: string, preset: SqlPreset, pageRows: number) {
  const opened = await openSqlSource(url, { pageRows });
  assert.ok(opened.ok, opened.ok ? '' : opened.message);
  try {
    const entries = [];
    for await (const entry of sqlEntries(opened.reader, preset)) entries.push(entry);
    return entries;
  } finally {
    await opened.reader.close();
  }
}

const ALL_ROWS = Array.from({ length: ROWS }, (_, index) => index + 1);

async function assertPaged(url: string, preset: SqlPreset): Promise<void> {
  assert.deepEqual(await readInPages(url), { sizes: [4, 4, 2], values: ALL_ROWS });
  assert.deepEqual(await leaveEarly(url), [1, 2, 3, 4]);
  // One row a page splits every table (and Modoboa's alias rows) at each row: the same entries.
  const whole = await entriesInPagesOf(url, preset, SQL_PAGE_ROWS);
  assert.ok(whole.length > 3);
  assert.deepEqual(await entriesInPagesOf(url, preset, 1), whole);
}

describe('import sql from MariaDB (mailcow, Postfix Admin)', { skip: missingMariaDb() ?? false }, () => {
  let maria: ThrowawayMariaDb;
  let t: TestApp;
  const amyHash = doveadmPw('BLF-CRYPT', 'amy mailcow password');
  const benHash = doveadmPw('SSHA256', 'ben mailcow password');
  const pamHash = doveadmPw('MD5-CRYPT', 'pam postfixadmin password').replace('{MD5-CRYPT}', '');

  before(async () => {
    maria = await startThrowawayMariaDb();
    t = await createTestApp('sqlite');
    await maria.run(`CREATE DATABASE mailcow; USE mailcow; ${MAILCOW_SCHEMA}
      INSERT INTO domain (domain, active) VALUES ('cow.example', 1), ('old.example', 0);
      INSERT INTO mailbox (username, password, name, local_part, domain, kind, active) VALUES
        ('amy@cow.example', '${amyHash}', 'Amy Pond', 'amy', 'cow.example', '', 1),
        ('ben@cow.example', '${benHash}', 'Ben', 'ben', 'cow.example', '', 2),
        ('room1@cow.example', '{BLF-CRYPT}x', 'Room 1', 'room1', 'cow.example', 'location', 1),
        ('olly@old.example', '{SHA512-CRYPT}$6$abc$def', 'Olly', 'olly', 'old.example', '', 1);
      INSERT INTO alias (address, goto, domain, active) VALUES
        ('amy@cow.example', 'amy@cow.example', 'cow.example', 1),
        ('info@cow.example', 'amy@cow.example', 'cow.example', 1),
        ('team@cow.example', 'amy@cow.example,ben@cow.example', 'cow.example', 1),
        ('@cow.example', 'amy@cow.example', 'cow.example', 1),
        ('gone@cow.example', 'amy@cow.example', 'cow.example', 0);
      CREATE TABLE paging (n INT PRIMARY KEY); INSERT INTO paging (n) VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10);
      CREATE DATABASE postfix; USE postfix; ${POSTFIXADMIN_SCHEMA}
      INSERT INTO domain (domain, active) VALUES ('ALL', 1), ('pfa.example', 1);
      INSERT INTO mailbox (username, password, name, local_part, domain, active) VALUES
        ('pam@pfa.example', '${pamHash}', 'Pam', 'pam', 'pfa.example', 1),
        ('quinn@pfa.example', '', 'Quinn', 'quinn', 'pfa.example', 0);
      INSERT INTO alias (address, goto, domain, active) VALUES
        ('pam@pfa.example', 'pam@pfa.example', 'pfa.example', 1),
        ('sales@pfa.example', 'pam@pfa.example', 'pfa.example', 1),
        ('quinn@pfa.example', 'quinn@pfa.example,quinn@elsewhere.example', 'pfa.example', 1);`);
  });
  after(async () => {
    await t?.cleanup();
    await maria?.remove();
  });

  test('mailcow: domains, mailboxes (active, no sign-in, resources), aliases of one mailbox', async () => {
    const outcome = await t.app.importing.run(
      { kind: 'sql', url: maria.url('mailcow'), preset: 'mailcow' },
      { dryRun: false, sync: false, actor },
    );
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
    const { report } = outcome;
    assert.equal(report.domains.created, 2);
    assert.equal(report.users.created, 3);
    assert.match(
      report.users.entries.find((line) => line.name === 'room1@cow.example')?.reason ?? '',
      /location resource/,
    );
    assert.equal((await user(t, 'amy@cow.example'))?.password_hash, amyHash);
    assert.equal((await user(t, 'amy@cow.example'))?.display_name, 'Amy Pond');
    assert.notEqual(
      (await user(t, 'ben@cow.example'))?.disabled_at,
      null,
      'active 2 (no sign-in) is disabled',
    );
    assert.notEqual(
      (await user(t, 'olly@old.example'))?.disabled_at,
      null,
      'a deactivated domain disables its mailboxes',
    );
    assert.equal(report.aliases.created, 1);
    assert.equal(report.aliases.skipped, 3);
    const reasons = report.aliases.entries
      .filter((line) => line.outcome === 'skipped')
      .map((line) => `${line.name}: ${line.reason}`);
    assert.ok(reasons.some((reason) => /^team@cow.example: .*2 addresses/.test(reason)));
    assert.ok(reasons.some((reason) => /^@cow.example: .*catch-all/.test(reason)));
    assert.ok(reasons.some((reason) => /^gone@cow.example: inactive/.test(reason)));
    assert.ok((await addresses(t)).includes('info@cow.example:alias:amy@cow.example'));
  });

  test('mailcow: the second run changes nothing', async () => {
    const outcome = await t.app.importing.run(
      { kind: 'sql', url: maria.url('mailcow'), preset: 'mailcow' },
      { dryRun: false, sync: true, actor },
    );
    assert.ok(outcome.ok);
    for (const section of ['domains', 'users', 'aliases'] as const) {
      assert.equal(outcome.report[section].created, 0, section);
      assert.equal(outcome.report[section].updated, 0, section);
    }
  });

  test('mailcow sync: re-enabled at the source is enabled, a new hash is applied, a deleted mailbox is disabled', async () => {
    const newHash = doveadmPw('BLF-CRYPT', 'amy new password');
    await maria.run(`USE mailcow; UPDATE mailbox SET active = 1 WHERE username = 'ben@cow.example';
      UPDATE mailbox SET password = '${newHash}' WHERE username = 'amy@cow.example';
      UPDATE domain SET active = 1;`);
    const sync = () =>
      t.app.importing.run(
        { kind: 'sql', url: maria.url('mailcow'), preset: 'mailcow' },
        { dryRun: false, sync: true, actor },
      );
    const first = await sync();
    assert.ok(first.ok);
    assert.equal((await user(t, 'amy@cow.example'))?.password_hash, newHash);
    assert.equal((await user(t, 'ben@cow.example'))?.disabled_at, null, 'enabled again at the source');
    assert.equal((await user(t, 'olly@old.example'))?.disabled_at, null, 'its domain is active again');
    await maria.run(`USE mailcow; DELETE FROM mailbox WHERE username = 'ben@cow.example';`);
    const second = await sync();
    assert.ok(second.ok);
    const ben = await user(t, 'ben@cow.example');
    assert.ok(ben, 'gone from the source: disabled, not deleted');
    assert.notEqual(ben?.disabled_at, null);
    assert.equal((await user(t, 'amy@cow.example'))?.disabled_at, null);
  });

  test('a table larger than one page is read a page at a time, every row once and in order; a query left early ends; the entries do not depend on the page size', async () => {
    await assertPaged(maria.url('mailcow'), 'mailcow');
  });

  test('postfixadmin: the ALL pseudo-domain is no domain, unprefixed crypt hashes are read by their $id$', async () => {
    const outcome = await t.app.importing.run(
      { kind: 'sql', url: maria.url('postfix'), preset: 'postfixadmin' },
      { dryRun: false, sync: false, actor },
    );
    assert.ok(outcome.ok);
    assert.deepEqual(
      outcome.report.domains.entries.map((line) => line.name),
      ['pfa.example'],
    );
    assert.equal((await user(t, 'pam@pfa.example'))?.password_hash, `{MD5-CRYPT}${pamHash}`);
    const quinn = await user(t, 'quinn@pfa.example');
    assert.notEqual(quinn?.disabled_at, null);
    assert.equal(quinn?.password_hash, null);
    assert.deepEqual(outcome.report.users.withoutPassword, ['quinn@pfa.example']);
    assert.ok((await addresses(t)).includes('sales@pfa.example:alias:pam@pfa.example'));
    assert.match(
      outcome.report.aliases.entries.find((line) => line.name === 'quinn@pfa.example')?.reason ?? '',
      /forwarding/,
    );
  });

  test('a source database that is down is refused and nothing is disabled', async () => {
    await maria.stop();
    try {
      const outcome = await t.app.importing.run(
        { kind: 'sql', url: maria.url('mailcow'), preset: 'mailcow' },
        { dryRun: false, sync: true, actor },
      );
      assert.equal(outcome.ok, false);
      assert.ok(!outcome.ok && /could not be opened/.test(outcome.message));
      assert.equal((await user(t, 'amy@cow.example'))?.disabled_at, null);
    } finally {
      await maria.start();
    }
  });

  test("a database that is not the preset's product is refused with the missing table named", async () => {
    const outcome = await t.app.importing.run(
      { kind: 'sql', url: maria.url('mailcow'), preset: 'modoboa' },
      { dryRun: false, sync: true, actor },
    );
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && /admin_domain/.test(outcome.message));
    assert.equal((await user(t, 'amy@cow.example'))?.disabled_at, null);
  });
});

describe('import sql from PostgreSQL (Modoboa)', () => {
  let t: TestApp;
  let source: { url: string; drop(): Promise<void> };
  const zoeHash = doveadmPw('SHA512-CRYPT', 'zoe modoboa password');
  before(async () => {
    t = await createTestApp('sqlite');
    source = await createPostgresDatabase();
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    // Modoboa's Django models as migrated on PostgreSQL: core_user (AbstractUser), admin_domain,
    // admin_mailbox, admin_alias and modoboa_admin_aliasrecipient (its db_table).
    await client.query(`
      CREATE TABLE core_user (id serial PRIMARY KEY, password varchar(256) NOT NULL, last_login timestamptz,
        is_superuser boolean NOT NULL, username varchar(254) NOT NULL UNIQUE, first_name varchar(30) NOT NULL,
        last_name varchar(30) NOT NULL, email varchar(254) NOT NULL, is_staff boolean NOT NULL,
        is_active boolean NOT NULL, date_joined timestamptz NOT NULL DEFAULT now());
      CREATE TABLE admin_domain (id serial PRIMARY KEY, name varchar(100) NOT NULL UNIQUE, quota integer NOT NULL DEFAULT 0,
        enabled boolean NOT NULL, type varchar(20) NOT NULL DEFAULT 'domain');
      CREATE TABLE admin_mailbox (id serial PRIMARY KEY, address varchar(252) NOT NULL, quota integer NOT NULL DEFAULT 0,
        domain_id integer NOT NULL REFERENCES admin_domain(id), user_id integer NOT NULL UNIQUE REFERENCES core_user(id));
      CREATE TABLE admin_alias (id serial PRIMARY KEY, address varchar(254) NOT NULL, enabled boolean NOT NULL,
        internal boolean NOT NULL, description text NOT NULL DEFAULT '', expire_at timestamptz,
        domain_id integer REFERENCES admin_domain(id));
      CREATE TABLE modoboa_admin_aliasrecipient (id serial PRIMARY KEY, address varchar(254) NOT NULL,
        alias_id integer NOT NULL REFERENCES admin_alias(id), r_alias_id integer, r_mailbox_id integer REFERENCES admin_mailbox(id));
      INSERT INTO admin_domain (name, enabled) VALUES ('modo.example', true);
      INSERT INTO core_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active) VALUES
        ('${zoeHash}', true, 'zoe@modo.example', 'Zoe', 'Washburne', 'zoe@modo.example', false, true),
        ('{MD5}bogus', false, 'yan@modo.example', 'Yan', '', 'yan@modo.example', false, false);
      INSERT INTO admin_mailbox (address, domain_id, user_id) VALUES ('zoe', 1, 1), ('yan', 1, 2);
      INSERT INTO admin_alias (address, enabled, internal, domain_id) VALUES
        ('zoe@modo.example', true, true, 1), ('contact@modo.example', true, false, 1), ('both@modo.example', true, false, 1);
      INSERT INTO modoboa_admin_aliasrecipient (address, alias_id, r_mailbox_id) VALUES
        ('zoe@modo.example', 1, 1), ('zoe@modo.example', 2, 1), ('zoe@modo.example', 3, 1), ('yan@modo.example', 3, 2);
      CREATE TABLE paging (n integer PRIMARY KEY); INSERT INTO paging (n) VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10);`);
    await client.end();
  });
  after(async () => {
    await t?.cleanup();
    await source?.drop();
  });

  test('modoboa: mailbox users with names, superuser as admin, inactive as disabled, external aliases', async () => {
    const outcome = await t.app.importing.run(
      { kind: 'sql', url: source.url, preset: 'modoboa' },
      { dryRun: false, sync: false, actor },
    );
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
    const zoe = await user(t, 'zoe@modo.example');
    assert.equal(zoe?.password_hash, zoeHash);
    assert.equal(zoe?.display_name, 'Zoe Washburne');
    assert.equal(zoe?.role, 'admin');
    assert.notEqual((await user(t, 'yan@modo.example'))?.disabled_at, null);
    assert.deepEqual(await addresses(t), [
      'contact@modo.example:alias:zoe@modo.example',
      'yan@modo.example:primary:yan@modo.example',
      'zoe@modo.example:primary:zoe@modo.example',
    ]);
    assert.equal(outcome.report.aliases.skipped, 1);
    const again = await t.app.importing.run(
      { kind: 'sql', url: source.url, preset: 'modoboa' },
      { dryRun: false, sync: true, actor },
    );
    assert.ok(again.ok);
    assert.equal(again.report.users.updated + again.report.users.created + again.report.aliases.created, 0);
  });

  test('a table larger than one page is read a page at a time, every row once and in order; a query left early ends; the entries do not depend on the page size', async () => {
    await assertPaged(source.url, 'modoboa');
  });
});

describe('import sql from SQLite (Mail-in-a-Box)', () => {
  let t: TestApp;
  const temp = makeTempDir('mw-miab-');
  const file = path.join(temp.dir, 'users.sqlite');
  const hash = doveadmPw('SHA512-CRYPT', 'max miab password');
  before(async () => {
    t = await createTestApp('postgres');
    const db = new SqliteDatabase(file);
    // Mail-in-a-Box setup/mail-users.sh, as its database is created.
    db.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL, extra, privileges TEXT NOT NULL DEFAULT '');
      CREATE TABLE aliases (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL UNIQUE, destination TEXT NOT NULL, permitted_senders TEXT);
      CREATE TABLE mfa (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, type TEXT NOT NULL, secret TEXT NOT NULL, mru_token TEXT, label TEXT, FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE);
      CREATE TABLE auto_aliases (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL UNIQUE, destination TEXT NOT NULL, permitted_senders TEXT);
      CREATE TABLE paging (n INTEGER PRIMARY KEY); INSERT INTO paging (n) VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10);`);
    db.prepare('INSERT INTO users (email, password, privileges) VALUES (?, ?, ?)').run(
      'max@box.example',
      hash,
      'admin',
    );
    db.prepare('INSERT INTO users (email, password, privileges) VALUES (?, ?, ?)').run(
      'nia@box.example',
      hash,
      '',
    );
    db.prepare('INSERT INTO aliases (source, destination, permitted_senders) VALUES (?, ?, ?)').run(
      'hostmaster@box.example',
      'max@box.example',
      null,
    );
    db.prepare('INSERT INTO aliases (source, destination, permitted_senders) VALUES (?, ?, ?)').run(
      'list@box.example',
      '',
      'max@box.example',
    );
    db.close();
  });
  after(async () => {
    await t?.cleanup();
    temp.remove();
  });

  test('mailinabox: users with the admin privilege, domains from the addresses, aliases', async () => {
    const outcome = await t.app.importing.run(
      { kind: 'sql', url: `sqlite://${file}`, preset: 'mailinabox' },
      { dryRun: false, sync: false, actor },
    );
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
    assert.equal(outcome.report.domains.created, 1);
    assert.equal((await user(t, 'max@box.example'))?.role, 'admin');
    assert.equal((await user(t, 'nia@box.example'))?.role, 'user');
    assert.ok((await addresses(t)).includes('hostmaster@box.example:alias:max@box.example'));
    assert.match(
      outcome.report.aliases.entries.find((line) => line.name === 'list@box.example')?.reason ?? '',
      /no address/,
    );
  });

  test('a table larger than one page is read a page at a time, every row once and in order; a query left early ends; the entries do not depend on the page size', async () => {
    await assertPaged(`sqlite://${file}`, 'mailinabox');
  });

  test('a sqlite URL to a missing file is refused', async () => {
    const outcome = await t.app.importing.run(
      { kind: 'sql', url: `sqlite://${path.join(temp.dir, 'absent.sqlite')}`, preset: 'mailinabox' },
      { dryRun: true, sync: false, actor },
    );
    assert.equal(outcome.ok, false);
  });
});
