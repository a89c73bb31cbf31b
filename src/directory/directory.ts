import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Executor, Store, UserTable } from '../store/index.js';
import * as tokens from './api-tokens.js';
import * as domains from './domains.js';
import * as groups from './groups.js';
import * as removal from './user-removal.js';
import * as users from './users.js';

export interface DirectoryDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  passwords: users.PasswordPolicy;
}

/** Domains, users, addresses and API tokens of the organization. */
export function createDirectory(deps: DirectoryDeps) {
  const db = deps.store.db;
  return {
    addDomain: (name: string, actor: Actor) => domains.addDomain(deps, name, actor),
    listDomains: () => domains.listDomains(deps),
    /** Refused while users or aliases are in the domain, unless `withUsers` (each removal audited). */
    removeDomain: (name: string, options: { withUsers: boolean }, actor: Actor) =>
      removal.removeDomain(deps, name, options, actor),
    createUser: (input: users.NewUser, actor: Actor) => users.createUser(deps, input, actor),
    updateUser: (reference: string, update: users.UserUpdate, actor: Actor) =>
      users.updateUser(deps, reference, update, actor),
    setPassword: (reference: string, password: string, actor: Actor) =>
      users.setPassword(deps, reference, password, actor),
    setDisabled: (reference: string, disabled: boolean, actor: Actor) =>
      users.setDisabled(deps, reference, disabled, actor),
    addAlias: (reference: string, alias: string, actor: Actor) =>
      users.addAlias(deps, reference, alias, actor),
    removeAlias: (reference: string, alias: string, actor: Actor) =>
      users.removeAlias(deps, reference, alias, actor),
    /** The user and every credential at once; evidence (audit, sign-ins, restrictions) stays. */
    removeUser: (reference: string, actor: Actor) => removal.removeUser(deps, reference, actor),
    findUser: (reference: string) => users.findUser(db, reference),
    addGroup: (name: string, actor: Actor) => groups.addGroup(deps, name, actor),
    addGroupMember: (group: string, user: string, actor: Actor) =>
      groups.addGroupMember(deps, group, user, actor),
    removeGroup: (name: string, actor: Actor) => groups.removeGroup(deps, name, actor),
    removeGroupMember: (group: string, user: string, actor: Actor) =>
      groups.removeGroupMember(deps, group, user, actor),
    listGroups: () => groups.listGroups(db),
    groupsOf: (userId: string) => groups.groupsOf(db, userId),
    listUsers: (options?: { limit?: number; afterAddress?: string }) => users.listUsers(db, options),
    listAdminRecipients: () => users.listAdminRecipients(db),
    /** `reader`: a store.readSnapshot executor, when the row is read with others. */
    findLoginRow: (login: string, reader: Executor = db): Promise<UserTable | null> =>
      users.findLoginRow(reader, login),
    senderKind: (userId: string, sender: string) => users.senderKind(db, userId, sender),
    addressesOf: (userId: string) => users.addressesOf(db, userId),
    createApiToken: (
      input: { name: string; role: tokens.ApiTokenRole; owner?: string | null },
      actor: Actor,
    ) => tokens.createApiToken(deps, input, actor),
    revokeApiToken: (name: string, actor: Actor) => tokens.revokeApiToken(deps, name, actor),
    listApiTokens: () => tokens.listApiTokens(deps),
    verifyApiToken: (token: string) => tokens.verifyApiToken(deps, token),
  };
}

export type Directory = ReturnType<typeof createDirectory>;
