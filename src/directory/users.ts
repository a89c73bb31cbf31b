import { randomUUID } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/index.js';
import { isLocale, type Locale } from '../i18n/index.js';
import type { Clock } from '../runtime/clock.js';
import { compiledQuery, type Executor, type Store, type UserTable } from '../store/index.js';
import { type DirectoryFailure, directoryFailure } from './directory.outcomes.js';
import { parseEmailAddress } from './email-address.js';

/** What the directory needs from password handling (identity provides it). */
export interface PasswordPolicy {
  check(password: string): Promise<{ ok: true } | { ok: false; message: string }>;
  hash(password: string): Promise<string>;
}

export interface UserDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  passwords: PasswordPolicy;
}

export type Role = 'user' | 'admin';

export interface User {
  id: string;
  address: string;
  displayName: string | null;
  role: Role;
  aliases: string[];
  disabled: boolean;
  passwordChangedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  address: string;
  displayName?: string | null;
  role?: Role;
  password: string;
}

type UserOutcome = { ok: true; user: User } | DirectoryFailure;

export async function createUser(deps: UserDeps, input: NewUser, actor: Actor): Promise<UserOutcome> {
  const parsed = parseEmailAddress(input.address);
  if (!parsed.ok)
    return directoryFailure('invalid-address', `"${input.address}" is not a valid email address`);
  const policy = await deps.passwords.check(input.password);
  if (!policy.ok) return directoryFailure('weak-password', policy.message);
  const displayName = normalizeDisplayName(input.displayName);
  if (displayName === false)
    return directoryFailure('invalid-name', 'the display name must be 1–256 printable characters');
  // Hash outside the transaction: argon2id takes tens of milliseconds and must not hold the write lock.
  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock.nowMs();
  return deps.store.writeTransaction(async (trx) => {
    const unusable = await checkNewAddress(trx, parsed);
    if (unusable) return unusable;
    const row: UserTable = {
      id: randomUUID(),
      address: parsed.address,
      domain: parsed.domain,
      display_name: displayName,
      role: input.role ?? 'user',
      password_hash: passwordHash,
      password_changed_at: now,
      disabled_at: null,
      created_at: now,
      updated_at: now,
      mfa_state: 'disabled',
      must_change_password: 0,
      sessions_valid_after: 0,
      mfa_grace_from: null,
      last_sign_in_at: null,
    };
    await trx.insertInto('users').values(row).execute();
    await trx
      .insertInto('addresses')
      .values({ address: row.address, user_id: row.id, kind: 'primary', created_at: now })
      .execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'AddUser',
        result: 'success',
        mailbox: row.address,
        ...actor,
        details: { role: row.role, displayName },
      },
    ]);
    return { ok: true as const, user: toUser(row, []) };
  });
}

export async function setPassword(
  deps: UserDeps,
  reference: string,
  password: string,
  actor: Actor,
): Promise<UserOutcome> {
  const policy = await deps.passwords.check(password);
  if (!policy.ok) return directoryFailure('weak-password', policy.message);
  const passwordHash = await deps.passwords.hash(password);
  const now = deps.clock.nowMs();
  return changeUser(deps, reference, async (trx, row) => {
    await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: now, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    await deps.audit.appendWithin(trx, [
      { operation: 'SetPassword', result: 'success', mailbox: row.address, ...actor },
    ]);
  });
}

export async function setDisabled(
  deps: UserDeps,
  reference: string,
  disabled: boolean,
  actor: Actor,
): Promise<UserOutcome> {
  const now = deps.clock.nowMs();
  return changeUser(deps, reference, async (trx, row) => {
    if ((row.disabled_at !== null) === disabled) return;
    await trx
      .updateTable('users')
      .set({ disabled_at: disabled ? now : null, updated_at: now })
      .where('id', '=', row.id)
      .execute();
    const operation = disabled ? 'DisableUser' : 'EnableUser';
    await deps.audit.appendWithin(trx, [{ operation, result: 'success', mailbox: row.address, ...actor }]);
  });
}

export interface UserUpdate {
  displayName?: string | null;
  role?: Role;
  /** The page language the user chose; null follows the browser, then the organization. */
  locale?: Locale | null;
}

export async function updateUser(
  deps: UserDeps,
  reference: string,
  update: UserUpdate,
  actor: Actor,
): Promise<UserOutcome> {
  const displayName = update.displayName === undefined ? undefined : normalizeDisplayName(update.displayName);
  if (displayName === false)
    return directoryFailure('invalid-name', 'the display name must be 1–256 printable characters');
  const now = deps.clock.nowMs();
  return changeUser(deps, reference, async (trx, row) => {
    const changes: Partial<UserTable> = { updated_at: now };
    if (displayName !== undefined) changes.display_name = displayName;
    if (update.role !== undefined) changes.role = update.role;
    if (update.locale !== undefined) changes.locale = update.locale;
    await trx.updateTable('users').set(changes).where('id', '=', row.id).execute();
    // The language is audited only when it is what changed, so the other records read as before.
    const language =
      update.locale !== undefined
        ? { before: { locale: row.locale ?? null }, after: { locale: update.locale } }
        : null;
    await deps.audit.appendWithin(trx, [
      {
        operation: 'UpdateUser',
        result: 'success',
        mailbox: row.address,
        ...actor,
        details: {
          before: { displayName: row.display_name, role: row.role, ...language?.before },
          after: {
            displayName: changes.display_name ?? row.display_name,
            role: changes.role ?? row.role,
            ...language?.after,
          },
        },
      },
    ]);
  });
}

export async function addAlias(
  deps: UserDeps,
  reference: string,
  alias: string,
  actor: Actor,
): Promise<UserOutcome> {
  const parsed = parseEmailAddress(alias);
  if (!parsed.ok) return directoryFailure('invalid-address', `"${alias}" is not a valid email address`);
  const now = deps.clock.nowMs();
  return changeUser(deps, reference, async (trx, row) => {
    const unusable = await checkNewAddress(trx, parsed);
    if (unusable) return unusable;
    await trx
      .insertInto('addresses')
      .values({ address: parsed.address, user_id: row.id, kind: 'alias', created_at: now })
      .execute();
    await trx.updateTable('users').set({ updated_at: now }).where('id', '=', row.id).execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'AddAlias',
        result: 'success',
        mailbox: row.address,
        ...actor,
        details: { alias: parsed.address },
      },
    ]);
  });
}

/** Removes an alias; the primary address is not an alias (deleting the user removes it). */
export async function removeAlias(
  deps: UserDeps,
  reference: string,
  alias: string,
  actor: Actor,
): Promise<UserOutcome> {
  const address = alias.trim().toLowerCase();
  const now = deps.clock.nowMs();
  return changeUser(deps, reference, async (trx, row) => {
    if (address === row.address)
      return directoryFailure(
        'alias-not-found',
        `${address} is the primary address of ${row.address}, not an alias (delete the user to remove it)`,
      );
    const removed = await trx
      .deleteFrom('addresses')
      .where('address', '=', address)
      .where('user_id', '=', row.id)
      .where('kind', '=', 'alias')
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0)
      return directoryFailure('alias-not-found', `${row.address} has no alias ${address}`);
    await trx.updateTable('users').set({ updated_at: now }).where('id', '=', row.id).execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'RemoveAlias',
        result: 'success',
        mailbox: row.address,
        ...actor,
        details: { alias: address },
      },
    ]);
  });
}

/** A user by primary address, alias or id; null when absent. */
export async function findUser(db: Executor, reference: string): Promise<User | null> {
  const row = await findUserRow(db, reference);
  if (!row) return null;
  return toUser(row, await aliasesOf(db, row.id));
}

/** Someone who gets what goes to every administrator (alert emails), in the language they chose. */
export interface AdminRecipient {
  address: string;
  /** users.locale: the language the admin chose on /account; null: the organization's. */
  locale: Locale | null;
}

/** The enabled administrators, with their chosen language: one read, ordered by address. */
export async function listAdminRecipients(db: Executor): Promise<AdminRecipient[]> {
  const rows = await db
    .selectFrom('users')
    .select(['address', 'locale'])
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .orderBy('address')
    .execute();
  return rows.map((row) => ({ address: row.address, locale: isLocale(row.locale) ? row.locale : null }));
}

export async function listUsers(
  db: Executor,
  options: { limit?: number; afterAddress?: string } = {},
): Promise<{ users: User[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  let query = db
    .selectFrom('users')
    .selectAll()
    .orderBy('address')
    .limit(limit + 1);
  if (options.afterAddress) query = query.where('address', '>', options.afterAddress);
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  const aliases =
    page.length === 0
      ? []
      : await db
          .selectFrom('addresses')
          .select(['address', 'user_id'])
          .where('kind', '=', 'alias')
          .where(
            'user_id',
            'in',
            page.map((row) => row.id),
          )
          .orderBy('address')
          .execute();
  const users = page.map((row) =>
    toUser(
      row,
      aliases.filter((alias) => alias.user_id === row.id).map((alias) => alias.address),
    ),
  );
  return { users, nextCursor: rows.length > limit ? (page.at(-1)?.address ?? null) : null };
}

/** The user row behind a login name (primary address only), with its password hash. */
// Every sign-in and every MAIL FROM runs these: compiled once (compiled-query.ts).
const loginRowQuery = compiledQuery<{ address: string }, UserTable>((db, param) =>
  db.selectFrom('users').selectAll().where('address', '=', param('address')),
);
const addressesQuery = compiledQuery<{ userId: string }, { address: string; kind: 'primary' | 'alias' }>(
  (db, param) =>
    db.selectFrom('addresses').select(['address', 'kind']).where('user_id', '=', param('userId')),
);

export async function findLoginRow(db: Executor, login: string): Promise<UserTable | null> {
  const address = login.trim().toLowerCase();
  return (await loginRowQuery(db, { address })).rows[0] ?? null;
}

/** Every address of a user (primary and aliases) with its kind. */
export async function addressesOf(db: Executor, userId: string): Promise<Map<string, 'primary' | 'alias'>> {
  const { rows } = await addressesQuery(db, { userId });
  return new Map(rows.map((row) => [row.address, row.kind]));
}

/** Whether the user may use this envelope sender: 'primary', 'alias', or null (not theirs). */
export async function senderKind(
  db: Executor,
  userId: string,
  sender: string,
): Promise<'primary' | 'alias' | null> {
  const row = await db
    .selectFrom('addresses')
    .select(['kind', 'user_id'])
    .where('address', '=', sender.trim().toLowerCase())
    .executeTakeFirst();
  return row && row.user_id === userId ? row.kind : null;
}

async function changeUser(
  deps: UserDeps,
  reference: string,
  // biome-ignore lint/suspicious/noConfusingVoidType: most changes return nothing; some return a refusal
  change: (trx: Executor, row: UserTable) => Promise<DirectoryFailure | void>,
): Promise<UserOutcome> {
  const result = await deps.store.writeTransaction(async (trx) => {
    const row = await findUserRow(trx, reference);
    if (!row) return directoryFailure('user-not-found', `no user ${reference}`);
    const failure = await change(trx, row);
    if (failure) return failure;
    // A password, state or address change: every instance drops what it remembered of the account.
    await deps.store.changes.announce(trx, 'accounts');
    return { ok: true as const, id: row.id };
  });
  if (!result.ok) return result;
  const user = await findUser(deps.store.db, result.id);
  return user ? { ok: true, user } : directoryFailure('user-not-found');
}

export async function findUserRow(db: Executor, reference: string): Promise<UserTable | undefined> {
  const key = reference.trim().toLowerCase();
  const byAddress = await db
    .selectFrom('addresses')
    .innerJoin('users', 'users.id', 'addresses.user_id')
    .selectAll('users')
    .where('addresses.address', '=', key)
    .executeTakeFirst();
  if (byAddress) return byAddress;
  return db.selectFrom('users').selectAll().where('id', '=', reference.trim()).executeTakeFirst();
}

async function aliasesOf(db: Executor, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('addresses')
    .select('address')
    .where('user_id', '=', userId)
    .where('kind', '=', 'alias')
    .orderBy('address')
    .execute();
  return rows.map((row) => row.address);
}

/** A new primary address or alias must be in an owned domain and belong to nobody yet. */
async function checkNewAddress(
  db: Executor,
  parsed: { address: string; domain: string },
): Promise<DirectoryFailure | null> {
  const domain = await db
    .selectFrom('domains')
    .select('name')
    .where('name', '=', parsed.domain)
    .executeTakeFirst();
  if (!domain)
    return directoryFailure(
      'domain-not-owned',
      `${parsed.domain} is not a domain of the organization (add it with: mailwarden domain add ${parsed.domain})`,
    );
  if (await isAddressTaken(db, parsed.address))
    return directoryFailure('address-taken', `${parsed.address} already belongs to a user`);
  return null;
}

async function isAddressTaken(db: Executor, address: string): Promise<boolean> {
  const row = await db
    .selectFrom('addresses')
    .select('address')
    .where('address', '=', address)
    .executeTakeFirst();
  return row !== undefined;
}

/** null for "no name"; false when the name is unusable (control characters, too long). */
function normalizeDisplayName(input: string | null | undefined): string | null | false {
  if (input === undefined || input === null) return null;
  const name = input.trim();
  if (name === '') return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (name.length > 256 || /[\u0000-\u001f\u007f]/.test(name)) return false;
  return name;
}

export function toUser(row: UserTable, aliases: string[]): User {
  return {
    id: row.id,
    address: row.address,
    displayName: row.display_name,
    role: row.role,
    aliases,
    disabled: row.disabled_at !== null,
    passwordChangedAt:
      row.password_changed_at === null ? null : new Date(row.password_changed_at).toISOString(),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
