import type { Actor } from '../audit/index.js';
import type { MfaDeps, MfaSubject } from './mfa-deps.js';

export type ChangePasswordOutcome =
  | { ok: true }
  | { ok: false; code: 'wrong-password' | 'weak-password' | 'user-not-found'; message: string };

/**
 * Self-service password change. The caller proved who they are with the current password, or with a
 * fresh second factor (`proof: 'second-factor'`, checked by the caller) when they forgot it. Every
 * other web session of the user ends; the one making the change (keepSessionId) stays. Clears
 * must_change_password (set by an admin reset). App passwords stay: they are separate credentials.
 */
export async function changeOwnPassword(
  deps: MfaDeps,
  input: {
    user: MfaSubject;
    newPassword: string;
    proof: { kind: 'current-password'; password: string } | { kind: 'second-factor'; method: string };
    keepSessionId: string | null;
  },
  actor: Actor,
): Promise<ChangePasswordOutcome> {
  const row = await deps.store.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', input.user.id)
    .executeTakeFirst();
  if (!row) return { ok: false, code: 'user-not-found', message: 'no such user' };
  if (input.proof.kind === 'current-password') {
    const matches =
      row.password_hash !== null && (await deps.passwords.verify(row.password_hash, input.proof.password));
    if (!matches) return { ok: false, code: 'wrong-password', message: 'the current password is not right' };
  }
  const policy = await deps.passwords.check(input.newPassword);
  if (!policy.ok) return { ok: false, code: 'weak-password', message: policy.message };
  if (input.proof.kind === 'current-password' && input.proof.password === input.newPassword)
    return { ok: false, code: 'weak-password', message: 'the new password must differ from the current one' };
  const hash = await deps.passwords.hash(input.newPassword);
  const now = deps.clock.nowMs();
  await deps.store.writeTransaction(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: hash, password_changed_at: now, updated_at: now, must_change_password: 0 })
      .where('id', '=', row.id)
      .execute();
    await deps.store.changes.announce(trx, 'accounts');
    let others = trx
      .updateTable('web_sessions')
      .set({ revoked_at: now, challenge: null })
      .where('user_id', '=', row.id)
      .where('revoked_at', 'is', null);
    if (input.keepSessionId) others = others.where('id', '!=', input.keepSessionId);
    await others.execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'SetPassword',
        result: 'success',
        mailbox: row.address,
        ...actor,
        details: {
          selfService: true,
          proof: input.proof.kind === 'current-password' ? 'current-password' : input.proof.method,
          wasTemporary: row.must_change_password === 1,
        },
      },
    ]);
  });
  return { ok: true };
}
