import { randomInt, randomUUID } from 'node:crypto';
import type { Actor } from '../audit/index.js';
import type { MfaDeps, MfaSubject } from './mfa-deps.js';

export const RECOVERY_CODE_COUNT = 10;
/** 10 characters of a 32-letter alphabet: 50 bits each, typed as xxxxx-xxxxx. */
const CODE_LENGTH = 10;
/** Crockford's base32 without I, L, O, U: nothing to misread on paper. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function createCode(): string {
  let code = '';
  for (let index = 0; index < CODE_LENGTH; index++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Typed with or without the dash, in either case, with spaces. */
export function normalizeRecoveryCode(text: string): string | null {
  const clean = text.replace(/[\s-]/g, '').toLowerCase();
  if (clean.length !== CODE_LENGTH || [...clean].some((char) => !ALPHABET.includes(char))) return null;
  return `${clean.slice(0, 5)}-${clean.slice(5)}`;
}

/**
 * Replaces the user's recovery codes with 10 new ones, shown once. NIST SP 800-63B §5.1.2.2: a
 * look-up secret under 112 bits of entropy is stored with a salted, slow hash — argon2id here.
 */
export async function regenerateRecoveryCodes(
  deps: MfaDeps,
  user: MfaSubject,
  actor: Actor,
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, createCode);
  const hashes = await Promise.all(codes.map((code) => deps.passwords.hash(code)));
  const now = deps.clock.nowMs();
  await deps.store.writeTransaction(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    await trx
      .insertInto('recovery_codes')
      .values(
        hashes.map((code_hash) => ({
          id: randomUUID(),
          user_id: user.id,
          code_hash,
          created_at: now,
          used_at: null,
        })),
      )
      .execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'RegenerateRecoveryCodes',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { count: RECOVERY_CODE_COUNT },
      },
    ]);
  });
  return codes;
}

/**
 * Spends one recovery code: true when it matched an unused code, which is then used up. The
 * conditional update (`used_at is null`) makes a code single-use even against concurrent requests.
 */
export async function useRecoveryCode(
  deps: MfaDeps,
  user: MfaSubject,
  typed: string,
  actor: Actor,
): Promise<boolean> {
  const code = normalizeRecoveryCode(typed);
  const rows = await deps.store.db
    .selectFrom('recovery_codes')
    .select(['id', 'code_hash'])
    .where('user_id', '=', user.id)
    .where('used_at', 'is', null)
    .execute();
  // All unused codes at once: argon2 runs in libuv's thread pool, so the wait is ~3 hashes, not 10.
  const matches =
    code === null ? [] : await Promise.all(rows.map((row) => deps.passwords.verify(row.code_hash, code)));
  const matched = rows[matches.indexOf(true)]?.id ?? null;
  const spent =
    matched !== null &&
    (await deps.store.writeTransaction(async (trx) => {
      const updated = await trx
        .updateTable('recovery_codes')
        .set({ used_at: deps.clock.nowMs() })
        .where('id', '=', matched)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      await deps.audit.appendWithin(trx, [
        {
          operation: 'UseRecoveryCode',
          result: 'success',
          mailbox: user.address,
          ...actor,
          details: { remaining: rows.length - 1 },
        },
      ]);
      return true;
    }));
  return spent;
}

export async function countUnusedRecoveryCodes(
  deps: Pick<MfaDeps, 'store'>,
  userId: string,
): Promise<number> {
  const row = await deps.store.db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
