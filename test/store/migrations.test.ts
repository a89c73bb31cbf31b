import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/index.js';
import { auditLogRow } from '../support/audit-rows.js';
import { createPostgresDatabase, makeTempDir, type StoreKind, storeKinds } from '../support/test-app.js';

const tables = [
  'domains',
  'users',
  'addresses',
  'api_tokens',
  'audit_log',
  'meta',
  'groups',
  'group_members',
  'sending_policies',
  'send_counters',
  'restrictions',
  'alerts',
  'quarantine',
  'webhooks',
  'notification_deliveries',
  'org_settings',
  'totp_credentials',
  'recovery_codes',
  'passkeys',
  'web_sessions',
  'app_passwords',
  'sign_ins',
  'lockouts',
  'audit_checkpoint',
  'audit_search_keys',
  'audit_item_windows',
  'mailbox_audit_settings',
  'familiar_networks',
  'score_cached_facts',
  'score_control_statuses',
  'score_snapshots',
] as const;
const migrations = [
  '001-initial',
  '002-outbound',
  '003-quarantine-notifications',
  '004-identity',
  '005-mailbox-audit',
  '006-secure-score',
  '007-identity-signin',
  '008-identity-web',
  '009-audit-actor-index',
  '010-sign-ins-unused-index',
  '011-users-last-sign-in',
  '012-sign-ins-failure-indexes',
  '013-audit-search-keys',
  '014-audit-search-keys-guard',
  '015-restrictions-outlive-users',
  '016-imported-accounts',
  '019-send-reservations',
  '021-users-locale',
  '022-alerts-first-at',
  '023-sign-ins-user-country',
];

/** A fresh place for a store of this kind, and the options to open it as often as a test likes. */
async function freshLocation(kind: StoreKind) {
  const temp = makeTempDir();
  const postgres = kind === 'postgres' ? await createPostgresDatabase() : null;
  return {
    options: { databaseUrl: postgres?.url ?? null, dataDir: temp.dir },
    async remove() {
      await postgres?.drop();
      temp.remove();
    },
  };
}

async function appliedMigrations(store: Store): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
    store.db,
  );
  return result.rows.map((row) => row.name);
}

for (const kind of storeKinds) {
  describe(`store migrations on ${kind}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });

    test('creates every table, empty, on a fresh database', async () => {
      const location = await freshLocation(kind);
      cleanups.push(location.remove);
      const store = await openStore(location.options);
      try {
        assert.equal(store.dialect, kind);
        for (const table of tables) {
          const count = await store.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow();
          assert.equal(Number(count.n), 0, `${table} exists and is empty`);
        }
        assert.deepEqual(await appliedMigrations(store), migrations);
      } finally {
        await store.close();
      }
    });

    test('a second start on the same data dir just works and keeps the data', async () => {
      const location = await freshLocation(kind);
      cleanups.push(location.remove);
      const first = await openStore(location.options);
      await first.db.insertInto('meta').values({ key: 'marker', value: 'kept' }).execute();
      await first.close();

      const second = await openStore(location.options);
      try {
        const marker = await second.db
          .selectFrom('meta')
          .select('value')
          .where('key', '=', 'marker')
          .executeTakeFirst();
        assert.equal(marker?.value, 'kept');
        assert.deepEqual(await appliedMigrations(second), migrations, 'no migration ran twice');
      } finally {
        await second.close();
      }
    });

    test('an older database gets the search keys of the records it holds', async () => {
      const location = await freshLocation(kind);
      cleanups.push(location.remove);
      const first = await openStore(location.options);
      const record = (id: number, mailbox: string | null, clientIp: string | null) =>
        auditLogRow({
          id,
          time: 1_000 * id,
          operation: 'MailboxLogin',
          mailbox,
          actor: mailbox ?? 'system',
          client_ip: clientIp,
          hash: '1'.repeat(64),
        });
      await first.db
        .insertInto('audit_log')
        .values([
          record(1, 'alice@example.org', '192.0.2.1'),
          record(2, null, '192.0.2.2'),
          record(3, 'bob@example.org', null),
        ])
        .execute();
      // As the database was before migration 013.
      await sql`drop table audit_search_keys`.execute(first.db);
      await sql`drop table audit_search_state`.execute(first.db);
      await sql`delete from kysely_migration where name = '013-audit-search-keys'`.execute(first.db);
      await first.close();

      const second = await openStore(location.options);
      try {
        const keys = await second.db
          .selectFrom('audit_search_keys')
          .selectAll()
          .orderBy('search_key')
          .execute();
        assert.deepEqual(
          keys.map((key) => [key.search_key, Number(key.key_time), Number(key.record_id)]),
          [
            ['i:192.0.2.1', 1000, 1],
            ['i:192.0.2.2', 2000, 2],
            ['m:alice@example.org', 1000, 1],
            ['m:bob@example.org', 3000, 3],
          ],
        );
        const state = await second.db.selectFrom('audit_search_state').selectAll().executeTakeFirstOrThrow();
        assert.equal(Number(state.through_id), 3);
      } finally {
        await second.close();
      }
    });

    test('an older database keeps its restrictions through migration 015, and deleting their user no longer fails', async () => {
      const location = await freshLocation(kind);
      cleanups.push(location.remove);
      const first = await openStore(location.options);
      // As the table was before migration 015: user_id references users.
      await first.db.schema.dropTable('restrictions').execute();
      await first.db.schema
        .createTable('restrictions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('policy_name', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addColumn('until', 'bigint')
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('released_at', 'bigint')
        .addColumn('released_by', 'text')
        .addColumn('release_reason', 'text')
        .addColumn('release_forced', 'integer')
        .execute();
      await first.db.insertInto('domains').values({ name: 'example.org', created_at: 1 }).execute();
      await first.db
        .insertInto('users')
        .values({
          id: 'u1',
          address: 'alice@example.org',
          domain: 'example.org',
          display_name: null,
          role: 'user',
          password_hash: 'x',
          password_changed_at: 1,
          disabled_at: null,
          created_at: 1,
          updated_at: 1,
          mfa_state: 'disabled',
          must_change_password: 0,
          sessions_valid_after: 0,
          mfa_grace_from: null,
          last_sign_in_at: null,
        })
        .execute();
      const restriction = {
        id: 'r1',
        user_id: 'u1',
        reason: 'daily-limit',
        policy_name: 'default',
        action: 'restrict' as const,
        since: 5,
        until: null,
        evidence: '{"sampleSubjects":["invoice"]}',
        released_at: null,
        released_by: null,
        release_reason: null,
        release_forced: null,
      };
      await first.db.insertInto('restrictions').values(restriction).execute();
      await assert.rejects(first.db.deleteFrom('users').where('id', '=', 'u1').execute());
      await sql`delete from kysely_migration where name = '015-restrictions-outlive-users'`.execute(first.db);
      await first.close();

      const second = await openStore(location.options);
      try {
        await second.db.deleteFrom('users').where('id', '=', 'u1').execute();
        const kept = await second.db.selectFrom('restrictions').selectAll().execute();
        assert.deepEqual(
          kept.map((row) => ({ ...row, since: Number(row.since) })),
          [restriction],
        );
      } finally {
        await second.close();
      }
    });

    test('a store stays usable while a second one is opened on the same data', async () => {
      const location = await freshLocation(kind);
      cleanups.push(location.remove);
      const first = await openStore(location.options);
      const second = await openStore(location.options);
      try {
        await first.db.insertInto('meta').values({ key: 'from-first', value: '1' }).execute();
        await second.db.insertInto('meta').values({ key: 'from-second', value: '2' }).execute();
        const rows = await first.db.selectFrom('meta').select('key').orderBy('key').execute();
        assert.deepEqual(
          rows.map((row) => row.key),
          ['from-first', 'from-second'],
        );
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
}

describe('store migrations on postgres, two processes starting at once', () => {
  test('both stores migrate a fresh database without an error', async () => {
    const postgres = await createPostgresDatabase();
    const temp = makeTempDir();
    try {
      const options = { databaseUrl: postgres.url, dataDir: temp.dir };
      const stores = await Promise.all([openStore(options), openStore(options)]);
      try {
        assert.deepEqual(await appliedMigrations(stores[0]), migrations);
      } finally {
        for (const store of stores) await store.close();
      }
    } finally {
      await postgres.drop();
      temp.remove();
    }
  });
});

describe('store location', () => {
  test('never includes the PostgreSQL password, in the user part or in the query', async () => {
    const postgres = await createPostgresDatabase();
    const temp = makeTempDir();
    try {
      // The local server trusts every connection, so any password is accepted and ignored.
      const url = new URL(postgres.url);
      url.password = 'user-part-secret';
      url.searchParams.set('password', 'query-secret');
      url.searchParams.set('application_name', 'mailwarden-test');
      const store = await openStore({ databaseUrl: url.toString(), dataDir: temp.dir });
      try {
        assert.ok(!store.location.includes('user-part-secret'), store.location);
        assert.ok(!store.location.includes('query-secret'), store.location);
        assert.match(store.location, /application_name=mailwarden-test/);
        assert.equal(new URL(store.location).hostname, url.hostname);
      } finally {
        await store.close();
      }
    } finally {
      await postgres.drop();
      temp.remove();
    }
  });
});

describe('SQLite store settings', () => {
  const temp = makeTempDir();
  after(() => temp.remove());

  test('the SQLite file is in WAL mode, with foreign keys enforced', async () => {
    const store = await openStore({ databaseUrl: null, dataDir: temp.dir });
    try {
      assert.equal(store.location, path.join(temp.dir, 'mailwarden.sqlite'));
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      assert.equal(journal.rows[0]?.journal_mode, 'wal');
      const foreignKeys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
      assert.equal(foreignKeys.rows[0]?.foreign_keys, 1);
      await assert.rejects(
        store.db
          .insertInto('users')
          .values({
            id: 'u1',
            address: 'a@nowhere.test',
            domain: 'nowhere.test',
            display_name: null,
            role: 'user',
            password_hash: null,
            password_changed_at: null,
            disabled_at: null,
            created_at: 0,
            updated_at: 0,
            mfa_state: 'disabled',
            must_change_password: 0,
            sessions_valid_after: 0,
          })
          .execute(),
        /FOREIGN KEY/,
        'a user of an unknown domain is refused',
      );
    } finally {
      await store.close();
    }
    // WAL is a property of the file: another process opening it sees it too.
    const other = new SqliteDatabase(path.join(temp.dir, 'mailwarden.sqlite'), { readonly: true });
    try {
      assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      other.close();
    }
  });
});
