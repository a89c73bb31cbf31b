import type { Actor, AuditLog } from '../audit/index.js';
import type { Directory, User } from '../directory/index.js';
import type { Executor, Store } from '../store/index.js';
import type { AccountFailure } from './account-admin.js';
import {
  IMPORTED_HASH_SCHEMES,
  type ImportedHashScheme,
  importedSchemeOf,
  WEAK_HASH_SCHEMES,
} from './legacy-hashes.js';
import type { PasswordHasher } from './passwords.js';
import type { SignInProtocol } from './sign-in-decision.js';

/**
 * Accounts brought over from another mail server: their legacy password hashes, upgraded to
 * argon2id at the first successful sign-in, and whether their mail clients may keep using the
 * account password (users.mail_account_password) until an admin moves them to app passwords.
 */

/**
 * Replaces a legacy `{SCHEME}hash` with argon2id of the password that just verified against it,
 * audited as a system change (the scheme names only, never a hash). Compare-and-set on the legacy
 * hash: of concurrent first sign-ins one writes and is audited, the others change nothing, and a
 * password changed meanwhile is never overwritten. True when this call upgraded the hash.
 */
export async function upgradeImportedHash(
  deps: { store: Store; audit: AuditLog; passwords: PasswordHasher },
  user: { id: string; address: string; password_hash: string | null },
  secret: string,
  context: { clientIp: string | null; protocol: SignInProtocol },
): Promise<boolean> {
  const legacy = user.password_hash;
  const scheme = legacy === null ? null : importedSchemeOf(legacy);
  if (legacy === null || scheme === null) return false;
  const hash = await deps.passwords.hash(secret);
  return deps.store.writeTransaction(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ password_hash: hash })
      .where('id', '=', user.id)
      .where('password_hash', '=', legacy)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await deps.audit.appendWithin(trx, [
      {
        operation: 'UpgradePasswordHash',
        result: 'success',
        mailbox: user.address,
        actor: 'system',
        logonType: 'system',
        clientIp: context.clientIp,
        protocol: context.protocol,
        details: { from: scheme, to: 'ARGON2ID' },
      },
    ]);
    return true;
  });
}

export const MAIL_PASSWORD_MODES = ['app-passwords-only', 'account-password'] as const;
export type MailPasswordMode = (typeof MAIL_PASSWORD_MODES)[number];

export function isMailPasswordMode(value: unknown): value is MailPasswordMode {
  return typeof value === 'string' && (MAIL_PASSWORD_MODES as readonly string[]).includes(value);
}

/**
 * Whether an account's mail clients may keep the account password where the org setting is
 * app-passwords-only ('account-password'), or must use app passwords like everyone else. MFA and a
 * `blocked` org setting still win (see the sign-in decision). Audited; setting the mode it already
 * has changes nothing and writes no record.
 */
export async function setMailPassword(
  deps: { store: Store; audit: AuditLog; directory: Directory },
  userReference: string,
  mode: MailPasswordMode,
  actor: Actor,
): Promise<{ ok: true; user: User; mode: MailPasswordMode; changed: boolean } | AccountFailure> {
  const user = await deps.directory.findUser(userReference);
  if (!user) return { ok: false, code: 'user-not-found', message: `no user ${userReference}` };
  const value = mode === 'account-password' ? 1 : 0;
  const changed = await deps.store.writeTransaction(async (trx) => {
    const updated = await trx
      .updateTable('users')
      .set({ mail_account_password: value })
      .where('id', '=', user.id)
      .where('mail_account_password', '!=', value)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await deps.audit.appendWithin(trx, [
      {
        operation: 'SetMailPassword',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { mailPassword: mode },
      },
    ]);
    return true;
  });
  return { ok: true, user, mode, changed };
}

/** How an account's mail clients sign in, and where the account was imported from (null: made here). */
export interface MailPasswordState {
  mode: MailPasswordMode;
  importedFrom: string | null;
}

/** The mail password state of each of these accounts, by address (at most a page of them; absent: no such user). */
export async function mailPasswordStates(
  db: Executor,
  addresses: readonly string[],
): Promise<Map<string, MailPasswordState>> {
  if (addresses.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['address', 'mail_account_password', 'imported_from'])
    .where('address', 'in', [...addresses])
    .execute();
  return new Map(
    rows.map((row) => [
      row.address,
      {
        mode: row.mail_account_password === 1 ? 'account-password' : 'app-passwords-only',
        importedFrom: row.imported_from ?? null,
      },
    ]),
  );
}

/** Enabled accounts by how their password is stored, and those whose mail clients keep the account password. */
export interface PasswordStorageCounts {
  enabledAccounts: number;
  /** Enabled accounts with a password set. */
  withPassword: number;
  /** Of them, still on an imported hash, by scheme (schemes with none left are absent). */
  legacy: Partial<Record<ImportedHashScheme, number>>;
  legacyTotal: number;
  /** Of the legacy ones, on a weak scheme ({PLAIN}, {MD5-CRYPT}, {SSHA}). */
  weak: number;
  /** Enabled accounts allowed the account password on mail protocols (users.mail_account_password = 1). */
  mailAccountPassword: number;
  /** The addresses of those, first ones by address (for the fix). */
  mailAccountPasswordSample: string[];
}

export async function passwordStorageCounts(db: Executor): Promise<PasswordStorageCounts> {
  const hashes = await db
    .selectFrom('users')
    .select(['password_hash'])
    .where('disabled_at', 'is', null)
    .where('password_hash', 'is not', null)
    .where('password_hash', 'like', '{%')
    .execute();
  const legacy: Partial<Record<ImportedHashScheme, number>> = {};
  let unknown = 0;
  for (const row of hashes) {
    const scheme = row.password_hash === null ? null : importedSchemeOf(row.password_hash);
    if (scheme === null) unknown += 1;
    else legacy[scheme] = (legacy[scheme] ?? 0) + 1;
  }
  const counted = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .select((eb) => eb.fn.count('password_hash').as('withPassword'))
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  const mail = await db
    .selectFrom('users')
    .select('address')
    .where('disabled_at', 'is', null)
    .where('mail_account_password', '=', 1)
    .orderBy('address')
    .execute();
  const legacyTotal = IMPORTED_HASH_SCHEMES.reduce((sum, scheme) => sum + (legacy[scheme] ?? 0), 0) + unknown;
  const weak = [...WEAK_HASH_SCHEMES].reduce((sum, scheme) => sum + (legacy[scheme] ?? 0), 0);
  return {
    enabledAccounts: Number(counted?.n ?? 0),
    withPassword: Number(counted?.withPassword ?? 0),
    legacy,
    legacyTotal,
    weak,
    mailAccountPassword: mail.length,
    mailAccountPasswordSample: mail.slice(0, 5).map((row) => row.address),
  };
}
