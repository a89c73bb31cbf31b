import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Executor, Store, UserTable } from '../store/index.js';
import { type DirectoryFailure, directoryFailure } from './directory.outcomes.js';
import { findUserRow } from './users.js';

export interface RemovalDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
}

/** What went with a deleted user. */
export interface RemovedUser {
  id: string;
  address: string;
  role: 'user' | 'admin';
  aliases: string[];
  groups: string[];
  /** API tokens the user owned, revoked (kept, like every revoked token, for the record). */
  revokedApiTokens: string[];
}

/** What went with a removed domain. */
export interface RemovedDomain {
  name: string;
  removedUsers: string[];
  /** Aliases in the domain that belonged to users of other domains. */
  removedAliases: string[];
}

/**
 * The rows that let someone act as the user, each keyed to users.id: removing them with the user
 * row is what ends every way in at once (a web session, an app password or a passkey whose row is
 * gone finds nobody). Evidence is not among them: audit records, the sign-in log, restrictions
 * (migration 015 let them outlive the user), held messages and send counters name the user by
 * address or by an id nothing reuses.
 */
const CREDENTIAL_TABLES = [
  'web_sessions',
  'app_passwords',
  'totp_credentials',
  'recovery_codes',
  'passkeys',
  'familiar_networks',
  'group_members',
  'addresses',
] as const;

/** Names listed in a refusal before "and N more". */
const NAMES_IN_REFUSAL = 20;

export async function removeUser(
  deps: RemovalDeps,
  reference: string,
  actor: Actor,
): Promise<{ ok: true; user: RemovedUser } | DirectoryFailure> {
  return deps.store.writeTransaction(async (trx) => {
    const row = await findUserRow(trx, reference);
    if (!row) return directoryFailure('user-not-found', `no user ${reference}`);
    const refusal = await refuseAdminRemoval(trx, [row], actor);
    if (refusal) return refusal;
    return { ok: true as const, user: await deleteUser(deps, trx, row, actor) };
  });
}

/**
 * Removes a domain. While users or aliases have addresses in it the answer names them, unless
 * `withUsers`: then each user is deleted and each alias removed, every one audited on its own, and
 * the domain last, all in one transaction (all or nothing).
 */
export async function removeDomain(
  deps: RemovalDeps,
  input: string,
  options: { withUsers: boolean },
  actor: Actor,
): Promise<{ ok: true; domain: RemovedDomain } | DirectoryFailure> {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  return deps.store.writeTransaction(async (trx) => {
    const domain = await trx.selectFrom('domains').select('name').where('name', '=', name).executeTakeFirst();
    if (!domain) return directoryFailure('domain-not-found', `${name} is not a domain of the organization`);
    const users = await trx
      .selectFrom('users')
      .selectAll()
      .where('domain', '=', name)
      .orderBy('address')
      .execute();
    // LIKE narrows the read; endsWith decides (a domain name may hold LIKE's `_`).
    const aliases = (
      await trx
        .selectFrom('addresses')
        .innerJoin('users', 'users.id', 'addresses.user_id')
        .select(['addresses.address', 'users.address as owner', 'users.id as ownerId'])
        .where('addresses.kind', '=', 'alias')
        .where('addresses.address', 'like', `%@${name}`)
        .where('users.domain', '!=', name)
        .orderBy('addresses.address')
        .execute()
    ).filter((alias) => alias.address.endsWith(`@${name}`));
    if (!options.withUsers && (users.length > 0 || aliases.length > 0))
      return directoryFailure('domain-in-use', domainInUseMessage(name, users, aliases));
    const refusal = await refuseAdminRemoval(trx, users, actor);
    if (refusal) return refusal;
    for (const user of users) await deleteUser(deps, trx, user, actor);
    for (const alias of aliases) {
      await trx.deleteFrom('addresses').where('address', '=', alias.address).execute();
      await deps.audit.appendWithin(trx, [
        {
          operation: 'RemoveAlias',
          result: 'success',
          mailbox: alias.owner,
          ...actor,
          details: { alias: alias.address, domain: name },
        },
      ]);
    }
    await trx.deleteFrom('domains').where('name', '=', name).execute();
    await deps.store.changes.announce(trx, 'policies');
    const removed: RemovedDomain = {
      name,
      removedUsers: users.map((user) => user.address),
      removedAliases: aliases.map((alias) => alias.address),
    };
    await deps.audit.appendWithin(trx, [
      { operation: 'RemoveDomain', result: 'success', ...actor, details: { ...removed } },
    ]);
    return { ok: true as const, domain: removed };
  });
}

/**
 * Security invariant: the organization always keeps an enabled administrator, and nobody deletes
 * the account they are signed in with (on the admin pages the actor is the signed-in address).
 */
async function refuseAdminRemoval(
  trx: Executor,
  rows: readonly UserTable[],
  actor: Actor,
): Promise<DirectoryFailure | null> {
  const self = rows.find((row) => row.address === actor.actor);
  if (self)
    return directoryFailure(
      'cannot-remove-self',
      `${self.address} is the account you are signed in with; another administrator can delete it`,
    );
  const admins = rows.filter((row) => row.role === 'admin');
  if (admins.length === 0) return null;
  const remaining = await trx
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .where(
      'id',
      'not in',
      admins.map((row) => row.id),
    )
    .executeTakeFirstOrThrow();
  if (Number(remaining.count) > 0) return null;
  return directoryFailure(
    'last-admin',
    `${admins.map((row) => row.address).join(', ')} ${admins.length === 1 ? 'is the last administrator' : 'are the last administrators'}; make another user an admin first`,
  );
}

async function deleteUser(
  deps: RemovalDeps,
  trx: Executor,
  row: UserTable,
  actor: Actor,
): Promise<RemovedUser> {
  const now = deps.clock.nowMs();
  const [aliases, groups, tokens] = await Promise.all([
    trx
      .selectFrom('addresses')
      .select('address')
      .where('user_id', '=', row.id)
      .where('kind', '=', 'alias')
      .orderBy('address')
      .execute(),
    trx
      .selectFrom('group_members')
      .select('group_name')
      .where('user_id', '=', row.id)
      .orderBy('group_name')
      .execute(),
    trx
      .selectFrom('api_tokens')
      .select('name')
      .where('owner_user_id', '=', row.id)
      .where('revoked_at', 'is', null)
      .orderBy('name')
      .execute(),
  ]);
  if (tokens.length > 0)
    await trx
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('owner_user_id', '=', row.id)
      .where('revoked_at', 'is', null)
      .execute();
  for (const table of CREDENTIAL_TABLES) await trx.deleteFrom(table).where('user_id', '=', row.id).execute();
  await trx.deleteFrom('users').where('id', '=', row.id).execute();
  const removed: RemovedUser = {
    id: row.id,
    address: row.address,
    role: row.role,
    aliases: aliases.map((alias) => alias.address),
    groups: groups.map((group) => group.group_name),
    revokedApiTokens: tokens.map((token) => token.name),
  };
  const { id: userId, address: _address, ...details } = removed;
  await deps.audit.appendWithin(trx, [
    {
      operation: 'RemoveUser',
      result: 'success',
      mailbox: row.address,
      ...actor,
      details: { ...details, userId, displayName: row.display_name },
    },
  ]);
  return removed;
}

function domainInUseMessage(
  name: string,
  users: readonly UserTable[],
  aliases: ReadonlyArray<{ address: string; owner: string }>,
): string {
  const parts: string[] = [];
  if (users.length > 0) parts.push(`users ${listed(users.map((user) => user.address))}`);
  if (aliases.length > 0)
    parts.push(`aliases ${listed(aliases.map((alias) => `${alias.address} (of ${alias.owner})`))}`);
  return `${name} still has ${parts.join(' and ')}; remove them first, or remove the domain with its users (--with-users, ?withUsers=true)`;
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_IN_REFUSAL).join(', ');
  return names.length > NAMES_IN_REFUSAL ? `${shown} and ${names.length - NAMES_IN_REFUSAL} more` : shown;
}
