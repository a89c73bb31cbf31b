import type { Executor } from '../store/index.js';

export interface MfaMethods {
  totp: boolean;
  passkeys: number;
}

/** The second factors a user can sign in with: a confirmed TOTP and their passkeys (not recovery codes). */
export async function confirmedMethods(db: Executor, userId: string): Promise<MfaMethods> {
  const [totp, passkeys] = await Promise.all([
    db
      .selectFrom('totp_credentials')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst(),
    db
      .selectFrom('passkeys')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirst(),
  ]);
  return { totp: totp !== undefined, passkeys: Number(passkeys?.n ?? 0) };
}

export function hasAnyMethod(methods: MfaMethods): boolean {
  return methods.totp || methods.passkeys > 0;
}

/**
 * Keeps users.mfa_state true to the methods after one was added or removed, inside the caller's
 * transaction: disabled → enabled with the first method, enabled → disabled without any. `enforced`
 * is an admin's decision and stays.
 */
export async function syncMfaState(trx: Executor, userId: string): Promise<void> {
  const methods = await confirmedMethods(trx, userId);
  if (hasAnyMethod(methods))
    await trx
      .updateTable('users')
      .set({ mfa_state: 'enabled' })
      .where('id', '=', userId)
      .where('mfa_state', '=', 'disabled')
      .execute();
  else
    await trx
      .updateTable('users')
      .set({ mfa_state: 'disabled' })
      .where('id', '=', userId)
      .where('mfa_state', '=', 'enabled')
      .execute();
}

/**
 * The MFA state of each of these accounts, by address, in one query (the admin users list shows a
 * page of them at a time; absent: no such user).
 */
export async function mfaStates(
  db: Executor,
  addresses: readonly string[],
): Promise<Map<string, 'disabled' | 'enabled' | 'enforced'>> {
  if (addresses.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['address', 'mfa_state'])
    .where('address', 'in', [...addresses])
    .execute();
  return new Map(rows.map((row) => [row.address, row.mfa_state]));
}
