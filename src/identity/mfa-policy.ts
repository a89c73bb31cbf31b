import type { Actor } from '../audit/index.js';
import type { UserTable } from '../store/index.js';
import type { MfaDeps } from './mfa-deps.js';
import { confirmedMethods, hasAnyMethod, type MfaMethods } from './mfa-state.js';
import { countUnusedRecoveryCodes } from './recovery-codes.js';

const DAY_MS = 86_400_000;

export interface MfaRequirement {
  /** Why a second factor is required of this user, or null when it is not. */
  requiredBy: 'admin-enforced' | 'policy-admins' | 'policy-all' | null;
  /** When the registration grace period ends (ms); null when nothing is required or it is enforced. */
  deadlineMs: number | null;
  methods: MfaMethods;
  hasMethod: boolean;
}

/**
 * Whether the org's MFA policy or an admin requires a second factor of this user. The grace period
 * counts from the latest of: the user's creation, the policy being switched on, an admin's reset.
 */
export async function mfaRequirement(deps: MfaDeps, user: UserTable): Promise<MfaRequirement> {
  const methods = await confirmedMethods(deps.store.db, user.id);
  const hasMethod = hasAnyMethod(methods);
  if (user.mfa_state === 'enforced')
    return { requiredBy: 'admin-enforced', deadlineMs: null, methods, hasMethod };
  const entries = await deps.settings.describe();
  const setting = (key: string) => entries.find((entry) => entry.key === key);
  const forAll = setting('mfa.requireForAll');
  const forAdmins = setting('mfa.requireForAdmins');
  const graceDays = Number(setting('mfa.registrationGraceDays')?.value ?? 14);
  const governing =
    forAll?.value === true ? forAll : user.role === 'admin' && forAdmins?.value === true ? forAdmins : null;
  if (!governing) return { requiredBy: null, deadlineMs: null, methods, hasMethod };
  const since = Math.max(
    Number(user.created_at),
    governing.updatedAt ? Date.parse(governing.updatedAt) : 0,
    Number(user.mfa_grace_from ?? 0),
  );
  return {
    requiredBy: governing === forAll ? 'policy-all' : 'policy-admins',
    deadlineMs: since + graceDays * DAY_MS,
    methods,
    hasMethod,
  };
}

/** What the web does after a right password (and a risk level from the sign-in pipeline). */
export type WebSecondStep =
  | { next: 'second-factor'; methods: MfaMethods }
  | { next: 'enrol-now' }
  | { next: 'complete'; enrolBy: number | null }
  | { next: 'refuse'; code: 'mfa-registration-overdue' | 'second-factor-unavailable'; message: string };

export async function webSecondStep(
  deps: MfaDeps,
  user: UserTable,
  risk: 'none' | 'low' | 'medium' | 'high',
): Promise<WebSecondStep> {
  const requirement = await mfaRequirement(deps, user);
  // A user with a second factor always gives it on the web; that is what having one means.
  if (requirement.hasMethod) return { next: 'second-factor', methods: requirement.methods };
  // Risk policy (PRODUCT.md): medium risk needs MFA on the web; without a factor to ask for, refuse.
  if ((risk === 'medium' || risk === 'high') && (await deps.settings.get('risk.policyEnabled')))
    return {
      next: 'refuse',
      code: 'second-factor-unavailable',
      message:
        'this sign-in looks unusual and needs a second factor, but none is set up; ask an administrator',
    };
  if (requirement.requiredBy === 'admin-enforced') return { next: 'enrol-now' };
  if (requirement.deadlineMs === null) return { next: 'complete', enrolBy: null };
  if (deps.clock.nowMs() > requirement.deadlineMs)
    return {
      next: 'refuse',
      code: 'mfa-registration-overdue',
      message: `a second factor had to be set up by ${new Date(requirement.deadlineMs).toISOString().slice(0, 10)}; ask an administrator to let you register it`,
    };
  return { next: 'complete', enrolBy: requirement.deadlineMs };
}

/**
 * Admins' API tokens honour the MFA policy: a token owned by an admin who must have a second factor
 * (past any grace period) and has none is refused. Ownerless service tokens are not people and cannot
 * give a second factor; they are created only from the host's CLI and stay allowed.
 */
export async function checkApiTokenOwner(
  deps: MfaDeps,
  ownerUserId: string | null,
): Promise<{ ok: true } | { ok: false; message: string }> {
  if (ownerUserId === null) return { ok: true };
  const owner = await deps.store.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', ownerUserId)
    .executeTakeFirst();
  if (!owner) return { ok: false, message: 'the owner of this API token no longer exists' };
  if (owner.disabled_at !== null)
    return { ok: false, message: `the owner of this API token (${owner.address}) is disabled` };
  if (owner.role !== 'admin')
    return { ok: false, message: `the owner of this API token (${owner.address}) is no longer an admin` };
  const requirement = await mfaRequirement(deps, owner);
  if (requirement.requiredBy === null || requirement.hasMethod) return { ok: true };
  if (requirement.deadlineMs !== null && deps.clock.nowMs() <= requirement.deadlineMs) return { ok: true };
  return {
    ok: false,
    message: `MFA is required for admins and the owner of this API token (${owner.address}) has none: set up a second factor at /account, or use a token without an owner`,
  };
}

export interface MfaSummary {
  address: string;
  role: string;
  state: UserTable['mfa_state'];
  totp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
  requiredBy: MfaRequirement['requiredBy'];
  registerBy: string | null;
}

export async function describeMfa(deps: MfaDeps, user: UserTable): Promise<MfaSummary> {
  const requirement = await mfaRequirement(deps, user);
  return {
    address: user.address,
    role: user.role,
    state: user.mfa_state,
    totp: requirement.methods.totp,
    passkeys: requirement.methods.passkeys,
    recoveryCodesLeft: await countUnusedRecoveryCodes(deps, user.id),
    requiredBy: requirement.requiredBy,
    registerBy:
      requirement.deadlineMs !== null && !requirement.hasMethod
        ? new Date(requirement.deadlineMs).toISOString()
        : null,
  };
}

/**
 * An admin removes every second factor of a user (lost phone, or one an attacker added): TOTP,
 * passkeys, recovery codes; signs them out everywhere, and restarts their registration grace period.
 */
export async function resetMfa(deps: MfaDeps, user: UserTable, actor: Actor): Promise<void> {
  const now = deps.clock.nowMs();
  await deps.store.writeTransaction(async (trx) => {
    await trx.deleteFrom('totp_credentials').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('passkeys').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    await trx
      .updateTable('users')
      .set({ mfa_state: 'disabled', mfa_grace_from: now, sessions_valid_after: now })
      .where('id', '=', user.id)
      .execute();
    await trx
      .updateTable('web_sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', user.id)
      .where('revoked_at', 'is', null)
      .execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'ResetMfa',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { previousState: user.mfa_state },
      },
    ]);
  });
}

/** An admin requires a second factor of this user at their next web sign-in, with no grace period. */
export async function enforceMfa(deps: MfaDeps, user: UserTable, actor: Actor): Promise<void> {
  const now = deps.clock.nowMs();
  await deps.store.writeTransaction(async (trx) => {
    await trx
      .updateTable('users')
      .set({ mfa_state: 'enforced', mfa_grace_from: now })
      .where('id', '=', user.id)
      .execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'EnforceMfa',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { previousState: user.mfa_state },
      },
    ]);
  });
}
