import SqliteDatabase from 'better-sqlite3';
import mysql from 'mysql2';
import pg from 'pg';
import type { ImportEntry, SqlPreset } from './entries.js';
import { describe } from './error-line.js';

type Row = Record<string, unknown>;

/**
 * Rows read from the source at a time. An import holds one page of a table, never the whole of it:
 * a source with a million mailboxes costs the memory of this many rows.
 */
export const SQL_PAGE_ROWS = 500;

/** A read-only look at another product's database. */
export interface SqlReader {
  /**
   * The query's rows in order, a page (at most pageRows) at a time. Each driver reads through a
   * cursor (PostgreSQL: DECLARE/FETCH in a read-only transaction; MySQL/MariaDB: a streamed result
   * that pauses the connection while a page is in use; SQLite: a statement iterator), so paging
   * needs no unique sort key and sees one snapshot of the table. One query at a time: the import
   * reads a query to its end (or leaves it) before it starts the next.
   */
  pages(query: string): AsyncIterable<Row[]>;
  close(): Promise<void>;
}

export type SqlOpenOutcome = { ok: true; reader: SqlReader } | { ok: false; message: string };

/** The rows of `source` in pages of `pageRows`, the last one shorter. */
async function* inPages(source: AsyncIterable<Row> | Iterable<Row>, pageRows: number): AsyncGenerator<Row[]> {
  let page: Row[] = [];
  for await (const row of source) {
    page.push(row);
    if (page.length < pageRows) continue;
    yield page;
    page = [];
  }
  if (page.length > 0) yield page;
}

/** A query's rows one by one, read a page at a time. */
async function* rowsOf(reader: SqlReader, query: string): AsyncGenerator<Row> {
  for await (const page of reader.pages(query)) yield* page;
}

/** `mysql://` (or `mariadb://`), `postgres://` (or `postgresql://`), `sqlite:///absolute/path`. */
export async function openSqlSource(
  url: string,
  options: { pageRows?: number } = {},
): Promise<SqlOpenOutcome> {
  const pageRows = options.pageRows ?? SQL_PAGE_ROWS;
  const scheme = /^([a-z]+):/i.exec(url)?.[1]?.toLowerCase();
  try {
    if (scheme === 'mysql' || scheme === 'mariadb') {
      // The callback API: its queries stream (the promise wrapper's read whole results).
      const connection = mysql.createConnection({
        uri: url.replace(/^mariadb:/i, 'mysql:'),
        connectTimeout: 10_000,
      });
      connection.on('error', () => {});
      await new Promise<void>((resolve, reject) =>
        connection.connect((error) => (error ? reject(error) : resolve())),
      );
      // A result left before its end still holds the connection (paused mid-result) and nothing but
      // closing the socket ends it: the reader is done then (an import only leaves early when it stops).
      let closed = false;
      return {
        ok: true,
        reader: {
          async *pages(query) {
            if (closed) throw new Error('the source connection was closed: a query was left before its end');
            // The stream pauses the connection while highWaterMark rows wait to be read, so no more
            // than about two pages are in memory at once.
            const stream = connection.query(query).stream({ highWaterMark: pageRows });
            let readToEnd = false;
            try {
              yield* inPages(stream as AsyncIterable<Row>, pageRows);
              readToEnd = true;
            } finally {
              if (!readToEnd) {
                closed = true;
                connection.destroy();
              }
            }
          },
          close: async () => {
            if (closed) return;
            closed = true;
            await new Promise<void>((resolve) => connection.end(() => resolve()));
          },
        },
      };
    }
    if (scheme === 'postgres' || scheme === 'postgresql') {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      client.on('error', () => {});
      await client.connect();
      return {
        ok: true,
        reader: {
          async *pages(query) {
            // A cursor lives in a transaction; read-only, it cannot change the source by mistake.
            await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
            try {
              await client.query(`DECLARE mailwarden_import NO SCROLL CURSOR FOR ${query}`);
              for (;;) {
                const { rows } = await client.query(`FETCH FORWARD ${pageRows} FROM mailwarden_import`);
                if (rows.length > 0) yield rows as Row[];
                if (rows.length < pageRows) break;
              }
            } finally {
              // Ends the cursor too. A connection that broke reports that from the query above.
              await client.query('ROLLBACK').catch(() => {});
            }
          },
          close: () => client.end(),
        },
      };
    }
    if (scheme === 'sqlite') {
      const file = decodeURIComponent(url.replace(/^sqlite:\/\//i, ''));
      if (!file.startsWith('/'))
        return {
          ok: false,
          message: 'a sqlite URL names an absolute path: sqlite:///var/lib/app/users.sqlite',
        };
      const database = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
      return {
        ok: true,
        reader: {
          // The iterator steps the statement row by row; left early, for-of ends it (its return()).
          pages: (query) => inPages(database.prepare(query).iterate() as IterableIterator<Row>, pageRows),
          async close() {
            database.close();
          },
        },
      };
    }
  } catch (error) {
    return { ok: false, message: `the source database could not be opened: ${describe(error)}` };
  }
  return { ok: false, message: 'the URL must start with mysql://, postgres:// or sqlite:///' };
}

/** true for 1, '1', true (MySQL tinyint, PostgreSQL boolean, SQLite integer). */
function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function name(value: unknown): string | null {
  const trimmed = text(value).trim();
  return trimmed === '' ? null : trimmed;
}

/** A comma- (or whitespace-) separated recipient list, as mailcow, Postfix Admin and Mail-in-a-Box store it. */
function recipients(value: unknown): string[] {
  return text(value)
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * The entries of one product's database: domains, then users, then aliases (aliases name users,
 * so the users exist by the time they are read). Queries name only columns every supported
 * version has (docs/OPERATIONS.md lists the versions).
 */
export async function* sqlEntries(reader: SqlReader, preset: SqlPreset): AsyncGenerator<ImportEntry> {
  switch (preset) {
    case 'mailcow':
      yield* mailcowEntries(reader);
      return;
    case 'postfixadmin':
      yield* postfixAdminEntries(reader);
      return;
    case 'modoboa':
      yield* modoboaEntries(reader);
      return;
    case 'mailinabox':
      yield* mailInABoxEntries(reader);
      return;
  }
}

/**
 * The `domain(domain, active)` table mailcow and Postfix Admin share: each domain, in order, with the
 * inactive ones noted in `inactive` (their mailboxes are imported disabled).
 */
async function* domainEntries(
  reader: SqlReader,
  inactive: Set<string>,
  isPseudoDomain: (domain: string) => boolean = () => false,
): AsyncGenerator<ImportEntry> {
  let index = 0;
  for await (const row of rowsOf(reader, 'SELECT domain, active FROM domain ORDER BY domain')) {
    index += 1;
    const domain = text(row['domain']).toLowerCase();
    if (isPseudoDomain(domain)) continue;
    if (!truthy(row['active'])) inactive.add(domain);
    yield { kind: 'domain', at: `domain row ${index}`, name: domain };
  }
}

/**
 * mailcow-dockerized (data/web/inc/init_db.inc.php): domain(domain, active), mailbox(username,
 * password, name, domain, kind, active: 0 off, 1 on, 2 no sign-in), alias(address, goto, active).
 * Mailboxes of a deactivated domain cannot sign in there either: they are imported disabled.
 */
async function* mailcowEntries(reader: SqlReader): AsyncGenerator<ImportEntry> {
  const inactive = new Set<string>();
  yield* domainEntries(reader, inactive);
  let index = 0;
  for await (const row of rowsOf(
    reader,
    'SELECT username, password, name, domain, kind, active FROM mailbox ORDER BY username',
  )) {
    index += 1;
    const at = `mailbox row ${index}`;
    const address = text(row['username']);
    const kind = text(row['kind']);
    if (kind !== '') {
      yield {
        kind: 'invalid',
        at,
        section: 'users',
        name: address,
        reason: `a ${kind} resource, not a mailbox`,
      };
      continue;
    }
    yield {
      kind: 'user',
      at,
      address,
      displayName: name(row['name']),
      hash: text(row['password']),
      disabled: Number(row['active']) !== 1 || inactive.has(text(row['domain']).toLowerCase()),
      admin: false,
    };
  }
  yield* goToAliases(reader, 'SELECT address, goto, active FROM alias ORDER BY address');
}

/**
 * Postfix Admin (public/upgrade.php; MySQL/MariaDB or PostgreSQL): domain(domain, active) with the
 * pseudo-domain ALL, mailbox(username, password, name, domain, active), alias(address, goto, active).
 */
async function* postfixAdminEntries(reader: SqlReader): AsyncGenerator<ImportEntry> {
  const inactive = new Set<string>();
  // Postfix Admin's pseudo-domain ALL stands for every domain (superadmins), not a mail domain.
  yield* domainEntries(reader, inactive, (domain) => domain === 'all');
  let index = 0;
  for await (const row of rowsOf(
    reader,
    'SELECT username, password, name, domain, active FROM mailbox ORDER BY username',
  )) {
    index += 1;
    yield {
      kind: 'user',
      at: `mailbox row ${index}`,
      address: text(row['username']),
      displayName: name(row['name']),
      hash: text(row['password']),
      disabled: !truthy(row['active']) || inactive.has(text(row['domain']).toLowerCase()),
      admin: false,
    };
  }
  yield* goToAliases(reader, 'SELECT address, goto, active FROM alias ORDER BY address');
}

async function* goToAliases(reader: SqlReader, query: string): AsyncGenerator<ImportEntry> {
  let index = 0;
  for await (const row of rowsOf(reader, query)) {
    index += 1;
    yield {
      kind: 'alias',
      at: `alias row ${index}`,
      address: text(row['address']),
      targets: recipients(row['goto']),
      active: truthy(row['active']),
    };
  }
}

/**
 * Modoboa (modoboa/admin/models, modoboa/core/models.py): admin_domain(id, name, enabled),
 * admin_mailbox(address = local part, domain_id, user_id), core_user(username, password,
 * first_name, last_name, is_active, is_superuser), admin_alias(id, address, enabled, internal) and
 * modoboa_admin_aliasrecipient(alias_id, address). Internal aliases (one per mailbox) are skipped.
 */
async function* modoboaEntries(reader: SqlReader): AsyncGenerator<ImportEntry> {
  let index = 0;
  const inactive = new Set<string>();
  for await (const row of rowsOf(reader, 'SELECT name, enabled FROM admin_domain ORDER BY name')) {
    index += 1;
    const domain = text(row['name']).toLowerCase();
    if (!truthy(row['enabled'])) inactive.add(domain);
    yield { kind: 'domain', at: `admin_domain row ${index}`, name: domain };
  }
  index = 0;
  for await (const row of rowsOf(
    reader,
    `SELECT m.address AS local_part, d.name AS domain, u.password, u.first_name, u.last_name,
            u.is_active, u.is_superuser
       FROM admin_mailbox m
       JOIN admin_domain d ON d.id = m.domain_id
       JOIN core_user u ON u.id = m.user_id
      ORDER BY d.name, m.address`,
  )) {
    index += 1;
    const domain = text(row['domain']).toLowerCase();
    const fullName = [text(row['first_name']).trim(), text(row['last_name']).trim()]
      .filter(Boolean)
      .join(' ');
    yield {
      kind: 'user',
      at: `admin_mailbox row ${index}`,
      address: `${text(row['local_part'])}@${domain}`,
      displayName: fullName === '' ? null : fullName,
      hash: text(row['password']),
      disabled: !truthy(row['is_active']) || inactive.has(domain),
      admin: truthy(row['is_superuser']),
    };
  }
  // One row per recipient, in alias order: an alias's rows may span two pages, so the alias is
  // yielded when the next one begins (or the rows end).
  const aliases = rowsOf(
    reader,
    `SELECT a.id, a.address, a.enabled, r.address AS recipient
       FROM admin_alias a
       LEFT JOIN modoboa_admin_aliasrecipient r ON r.alias_id = a.id
      WHERE a.internal = false
      ORDER BY a.address, r.address`,
  );
  index = 0;
  let current: { id: unknown; address: string; enabled: boolean; targets: string[] } | null = null;
  for await (const row of aliases) {
    if (current && current.id === row['id']) {
      if (row['recipient'] !== null) current.targets.push(text(row['recipient']));
      continue;
    }
    if (current) {
      index += 1;
      yield modoboaAlias(current, index);
    }
    current = {
      id: row['id'],
      address: text(row['address']),
      enabled: truthy(row['enabled']),
      targets: row['recipient'] === null ? [] : [text(row['recipient'])],
    };
  }
  if (current) {
    index += 1;
    yield modoboaAlias(current, index);
  }
}

/**
 * Mail-in-a-Box (setup/mail-users.sh, management/mailconfig.py; SQLite users.sqlite):
 * users(email, password, privileges: one per line, "admin"), aliases(source, destination: a comma-
 * separated list, empty when the alias only names permitted senders). It has no domain table (the
 * domains are those of the addresses) and no disabled accounts (archived users leave the table).
 */
async function* mailInABoxEntries(reader: SqlReader): AsyncGenerator<ImportEntry> {
  let index = 0;
  for await (const row of rowsOf(reader, 'SELECT email, password, privileges FROM users ORDER BY email')) {
    index += 1;
    yield {
      kind: 'user',
      at: `users row ${index}`,
      address: text(row['email']),
      displayName: null,
      hash: text(row['password']),
      disabled: false,
      admin: text(row['privileges'])
        .split('\n')
        .map((p) => p.trim())
        .includes('admin'),
    };
  }
  index = 0;
  for await (const row of rowsOf(reader, 'SELECT source, destination FROM aliases ORDER BY source')) {
    index += 1;
    yield {
      kind: 'alias',
      at: `aliases row ${index}`,
      address: text(row['source']),
      targets: recipients(row['destination']),
      active: true,
    };
  }
}

/** One Modoboa alias, its recipient rows (read in address order, across pages) gathered. */
function modoboaAlias(alias: { address: string; enabled: boolean; targets: string[] }, index: number) {
  return {
    kind: 'alias' as const,
    at: `admin_alias row ${index}`,
    address: alias.address,
    targets: alias.targets,
    active: alias.enabled,
  };
}
