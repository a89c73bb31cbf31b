import { randomBytes } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Directory, User } from '../directory/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Store } from '../store/index.js';
import { revokeAllWithin } from './app-passwords.js';
import { unlockLogin } from './lockout.js';
import type { PasswordHasher } from './passwords.js';

interface Deps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  directory: Directory;
  passwords: PasswordHasher;
}

export type AccountFailure = {
  ok: false;
  code: 'user-not-found' | 'weak-password' | 'wrong-password';
  message: string;
};

const TEMPORARY_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 20 characters from 56 symbols (116 bits), grouped for reading aloud over the phone. */
function temporaryPassword(): string {
  // Rejection sampling keeps every symbol equally likely.
  const letters: string[] = [];
  while (letters.length < 20)
    for (const byte of randomBytes(32))
      if (byte < 224 && letters.length < 20) letters.push(TEMPORARY_ALPHABET[byte % 56] ?? 'a');
  return (letters.join('').match(/.{5}/g) ?? []).join('-');
}

/**
 * Admin reset (the first step for a compromised account): a temporary password shown once, a change
 * required at the next web sign-in (mail clients are refused the temporary password), every web
 * session ended (users.sessions_valid_after), and optionally every app password revoked. The old
 * password stops working at once everywhere: the verified-credential cache is keyed by the stored hash.
 */
export async function resetPassword(
  deps: Deps,
  userReference: string,
  options: { revokeAppPasswords?: boolean },
  actor: Actor,
): Promise<
  { ok: true; user: User; temporaryPassword: string; revokedAppPasswords: string[] } | AccountFailure
> {
  const user = await deps.directory.findUser(userReference);
  if (!user) return { ok: false, code: 'user-not-found', message: `no user ${userReference}` };
  const password = temporaryPassword();
  const hash = await deps.passwords.hash(password);
  const now = deps.clock.nowMs();
  const revoked = await deps.store.writeTransaction(async (trx) => {
    await trx
      .updateTable('users')
      .set({
        password_hash: hash,
        password_changed_at: now,
        must_change_password: 1,
        sessions_valid_after: now,
        updated_at: now,
      })
      .where('id', '=', user.id)
      .execute();
    const sessions = await trx
      .updateTable('web_sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', user.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const names = options.revokeAppPasswords ? await revokeAllWithin(trx, user.id, now) : [];
    await deps.store.changes.announce(trx, 'accounts');
    await deps.audit.appendWithin(trx, [
      {
        operation: 'ResetPassword',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: {
          sessionsRevoked: Number(sessions.numUpdatedRows),
          revokedAppPasswords: names,
          mustChangePassword: true,
        },
      },
      ...names.map((name) => ({
        operation: 'RevokeAppPassword' as const,
        result: 'success' as const,
        mailbox: user.address,
        ...actor,
        details: { name, by: 'reset-password' },
      })),
    ]);
    return names;
  });
  const updated = (await deps.directory.findUser(user.id)) ?? user;
  return { ok: true, user: updated, temporaryPassword: password, revokedAppPasswords: revoked };
}

/** Lifts every lockout of an account (all source networks). */
export async function unlockUser(
  deps: Deps,
  userReference: string,
  actor: Actor,
): Promise<{ ok: true; user: User; unlockedSources: string[] } | AccountFailure> {
  const user = await deps.directory.findUser(userReference);
  if (!user) return { ok: false, code: 'user-not-found', message: `no user ${userReference}` };
  const now = deps.clock.nowMs();
  const sources = await deps.store.writeTransaction(async (trx) => {
    const lifted = await unlockLogin(trx, user.address, now);
    await deps.audit.appendWithin(trx, [
      {
        operation: 'UnlockUser',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { sources: lifted },
      },
    ]);
    return lifted;
  });
  return { ok: true, user, unlockedSources: sources };
}
