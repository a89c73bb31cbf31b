import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Executor, Store } from '../store/index.js';
import { type DirectoryFailure, directoryFailure } from './directory.outcomes.js';

export interface Group {
  name: string;
  members: string[];
}

interface GroupDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
}

const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export async function addGroup(
  deps: GroupDeps,
  input: string,
  actor: Actor,
): Promise<{ ok: true; group: Group } | DirectoryFailure> {
  const name = input.trim().toLowerCase();
  if (!GROUP_NAME.test(name))
    return directoryFailure(
      'invalid-name',
      'a group name is 1–64 lower-case letters, digits, dots, dashes or underscores',
    );
  return deps.store.writeTransaction(async (trx) => {
    const existing = await trx
      .selectFrom('groups')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) return directoryFailure('group-exists', `a group named ${name} exists`);
    await trx.insertInto('groups').values({ name, created_at: deps.clock.nowMs() }).execute();
    await deps.audit.appendWithin(trx, [
      { operation: 'AddGroup', result: 'success', ...actor, details: { name } },
    ]);
    return { ok: true as const, group: { name, members: [] } };
  });
}

export async function addGroupMember(
  deps: GroupDeps,
  groupName: string,
  userReference: string,
  actor: Actor,
): Promise<{ ok: true; group: Group } | DirectoryFailure> {
  const name = groupName.trim().toLowerCase();
  return deps.store.writeTransaction(async (trx) => {
    const found = await findGroupAndUser(trx, name, userReference);
    if (!found.ok) return found;
    const { user } = found;
    const member = await trx
      .selectFrom('group_members')
      .select('user_id')
      .where('group_name', '=', name)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (!member) {
      await trx.insertInto('group_members').values({ group_name: name, user_id: user.id }).execute();
      await deps.store.changes.announce(trx, 'policies');
      await deps.audit.appendWithin(trx, [
        {
          operation: 'AddGroupMember',
          result: 'success',
          mailbox: user.address,
          ...actor,
          details: { group: name },
        },
      ]);
    }
    return { ok: true as const, group: { name, members: await membersOf(trx, name) } };
  });
}

/** Deletes a group; refused while a sending policy is scoped to it (it would silently stop matching). */
export async function removeGroup(
  deps: GroupDeps,
  groupName: string,
  actor: Actor,
): Promise<{ ok: true; group: Group } | DirectoryFailure> {
  const name = groupName.trim().toLowerCase();
  return deps.store.writeTransaction(async (trx) => {
    const group = await trx.selectFrom('groups').select('name').where('name', '=', name).executeTakeFirst();
    if (!group) return directoryFailure('group-not-found', `no group ${name}`);
    const policies = (await trx.selectFrom('sending_policies').select(['name', 'scope']).execute()).filter(
      (policy) => (JSON.parse(policy.scope) as { groups?: string[] }).groups?.includes(name),
    );
    if (policies.length > 0)
      return directoryFailure(
        'group-in-use',
        `the sending ${policies.length === 1 ? 'policy' : 'policies'} ${policies.map((policy) => policy.name).join(', ')} ${policies.length === 1 ? 'is' : 'are'} scoped to group ${name}; change their scope first`,
      );
    const members = await membersOf(trx, name);
    await trx.deleteFrom('group_members').where('group_name', '=', name).execute();
    await deps.store.changes.announce(trx, 'policies');
    await trx.deleteFrom('groups').where('name', '=', name).execute();
    await deps.audit.appendWithin(trx, [
      { operation: 'RemoveGroup', result: 'success', ...actor, details: { name, members } },
    ]);
    return { ok: true as const, group: { name, members } };
  });
}

export async function removeGroupMember(
  deps: GroupDeps,
  groupName: string,
  userReference: string,
  actor: Actor,
): Promise<{ ok: true; group: Group } | DirectoryFailure> {
  const name = groupName.trim().toLowerCase();
  return deps.store.writeTransaction(async (trx) => {
    const found = await findGroupAndUser(trx, name, userReference);
    if (!found.ok) return found;
    const { user } = found;
    const removed = await trx
      .deleteFrom('group_members')
      .where('group_name', '=', name)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0)
      return directoryFailure('not-a-member', `${user.address} is not a member of group ${name}`);
    await deps.store.changes.announce(trx, 'policies');
    await deps.audit.appendWithin(trx, [
      {
        operation: 'RemoveGroupMember',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { group: name },
      },
    ]);
    return { ok: true as const, group: { name, members: await membersOf(trx, name) } };
  });
}

export async function listGroups(db: Executor): Promise<Group[]> {
  const groups = await db.selectFrom('groups').select('name').orderBy('name').execute();
  return Promise.all(
    groups.map(async (group) => ({ name: group.name, members: await membersOf(db, group.name) })),
  );
}

export async function groupsOf(db: Executor, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members')
    .select('group_name')
    .where('user_id', '=', userId)
    .execute();
  return rows.map((row) => row.group_name);
}

/** The group and the user a membership change names (any of the user's addresses), or which is missing. */
async function findGroupAndUser(
  db: Executor,
  name: string,
  userReference: string,
): Promise<{ ok: true; user: { id: string; address: string } } | DirectoryFailure> {
  const group = await db.selectFrom('groups').select('name').where('name', '=', name).executeTakeFirst();
  if (!group) return directoryFailure('group-not-found', `no group ${name}`);
  const user = await db
    .selectFrom('addresses')
    .innerJoin('users', 'users.id', 'addresses.user_id')
    .select(['users.id', 'users.address'])
    .where('addresses.address', '=', userReference.trim().toLowerCase())
    .executeTakeFirst();
  if (!user) return directoryFailure('user-not-found', `no user ${userReference}`);
  return { ok: true, user };
}

async function membersOf(db: Executor, name: string): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('users', 'users.id', 'group_members.user_id')
    .select('users.address')
    .where('group_members.group_name', '=', name)
    .orderBy('users.address')
    .execute();
  return rows.map((row) => row.address);
}
