import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { Clock } from '../runtime/clock.js';
import { type AppPasswordTable, compiledQuery, type Executor, type Store } from '../store/index.js';

/**
 * App passwords: per-device secrets for mail clients, scoped to protocols, shown once.
 *
 * Storage and speed (both matter: every SMTP sign-in looks it up): the secret is generated here, 20 characters from a
 * 32-letter alphabet, i.e. 100 random bits, and only its SHA-256 is stored (unique index). With 100
 * bits an offline search of a stolen hash is out of reach however fast the hash is (2^100 tries),
 * which is why GitHub tokens and similar API keys are stored the same way; argon2id is for secrets
 * people choose. Verifying is one SHA-256 and one indexed read per login: microseconds, so there is
 * no cache to go stale and a revocation or expiry takes effect on the very next login, everywhere.
 * No key is involved, so instances sharing a database need nothing more to agree.
 */
export const APP_PASSWORD_SCOPES = ['smtp', 'imap', 'pop3', 'sieve'] as const;
export type AppPasswordScope = (typeof APP_PASSWORD_SCOPES)[number];

/** No 0/o, 1/l: the password is typed from a screen into a phone. 32 symbols = 5 bits each. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const SECRET_LENGTH = 20;
const MAX_EXPIRY_DAYS = 3650;

export interface AppPassword {
  name: string;
  scopes: AppPasswordScope[];
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  lastUsedProtocol: string | null;
  /** active, expired or revoked (revoked ones are listed only on request). */
  state: 'active' | 'expired' | 'revoked';
  revokedAt: string | null;
}

export type AppPasswordFailureCode =
  | 'user-not-found'
  | 'invalid-app-password'
  | 'app-password-name-taken'
  | 'app-password-not-found';

export type AppPasswordFailure = { ok: false; code: AppPasswordFailureCode; message: string };

export interface NewAppPassword {
  name: string;
  scopes: readonly string[];
  expiresDays?: number | null;
}

interface Deps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  directory: Directory;
}

export function generateAppPasswordSecret(): string {
  const bytes = randomBytes(SECRET_LENGTH);
  // 256 is a multiple of 32: taking the low 5 bits of each byte keeps the letters uniform.
  const letters = [...bytes].map((byte) => ALPHABET[byte & 31]).join('');
  return letters.match(/.{4}/g)?.join('-') ?? letters;
}

/** The canonical form of something typed as an app password, or null when it cannot be one. */
export function normalizeAppPasswordSecret(secret: string): string | null {
  const compact = secret.toLowerCase().replace(/[\s-]/g, '');
  if (compact.length !== SECRET_LENGTH) return null;
  for (const letter of compact) if (!ALPHABET.includes(letter)) return null;
  return compact;
}

export function hashAppPasswordSecret(normalized: string): string {
  return `sha256:${createHash('sha256').update(normalized).digest('hex')}`;
}

export function parseScopes(scopes: readonly string[]): AppPasswordScope[] | null {
  const parsed = [...new Set(scopes.map((scope) => scope.trim().toLowerCase()).filter(Boolean))];
  if (parsed.length === 0) return null;
  if (!parsed.every((scope) => (APP_PASSWORD_SCOPES as readonly string[]).includes(scope))) return null;
  return APP_PASSWORD_SCOPES.filter((scope) => parsed.includes(scope));
}

export function toAppPassword(row: AppPasswordTable, nowMs: number): AppPassword {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    name: row.name,
    scopes: parseScopes(JSON.parse(row.scopes) as string[]) ?? [],
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    lastUsedIp: row.last_used_ip,
    lastUsedProtocol: row.last_used_protocol,
    state:
      row.revoked_at !== null
        ? 'revoked'
        : row.expires_at !== null && row.expires_at <= nowMs
          ? 'expired'
          : 'active',
    revokedAt: iso(row.revoked_at),
  };
}

const failure = (code: AppPasswordFailureCode, message: string): AppPasswordFailure => ({
  ok: false,
  code,
  message,
});

export async function createAppPassword(
  deps: Deps,
  userReference: string,
  input: NewAppPassword,
  actor: Actor,
): Promise<{ ok: true; appPassword: AppPassword; password: string } | AppPasswordFailure> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (name.length < 1 || name.length > 64 || /[\u0000-\u001f\u007f]/.test(name))
    return failure('invalid-app-password', 'the name must be 1–64 printable characters');
  const scopes = parseScopes(input.scopes);
  if (!scopes)
    return failure(
      'invalid-app-password',
      `the scope is one or more of ${APP_PASSWORD_SCOPES.join(', ')} (comma-separated)`,
    );
  const days = input.expiresDays ?? null;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS))
    return failure(
      'invalid-app-password',
      `the expiry is a whole number of days from 1 to ${MAX_EXPIRY_DAYS}`,
    );
  const user = await deps.directory.findUser(userReference);
  if (!user) return failure('user-not-found', `no user ${userReference}`);
  const password = generateAppPasswordSecret();
  const now = deps.clock.nowMs();
  const row: AppPasswordTable = {
    id: randomUUID(),
    user_id: user.id,
    name,
    scopes: JSON.stringify(scopes),
    secret_hash: hashAppPasswordSecret(normalizeAppPasswordSecret(password) ?? ''),
    created_at: now,
    created_by: actor.actor,
    expires_at: days === null ? null : now + days * 86_400_000,
    last_used_at: null,
    last_used_ip: null,
    last_used_protocol: null,
    revoked_at: null,
  };
  return deps.store.writeTransaction(async (trx) => {
    const taken = await trx
      .selectFrom('app_passwords')
      .select('id')
      .where('user_id', '=', user.id)
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (taken)
      return failure(
        'app-password-name-taken',
        `${user.address} already has an app password named "${name}"`,
      );
    await trx.insertInto('app_passwords').values(row).execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'CreateAppPassword',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: {
          name,
          scopes,
          expiresAt: row.expires_at === null ? null : new Date(row.expires_at).toISOString(),
        },
      },
    ]);
    return { ok: true as const, appPassword: toAppPassword(row, now), password };
  });
}

export async function listAppPasswords(
  deps: Deps,
  userReference: string,
  options: { includeRevoked?: boolean } = {},
): Promise<{ ok: true; appPasswords: AppPassword[] } | AppPasswordFailure> {
  const user = await deps.directory.findUser(userReference);
  if (!user) return failure('user-not-found', `no user ${userReference}`);
  let query = deps.store.db.selectFrom('app_passwords').selectAll().where('user_id', '=', user.id);
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  const rows = await query.orderBy('created_at', 'asc').execute();
  const now = deps.clock.nowMs();
  return { ok: true, appPasswords: rows.map((row) => toAppPassword(row, now)) };
}

export async function revokeAppPassword(
  deps: Deps,
  userReference: string,
  name: string,
  actor: Actor,
): Promise<{ ok: true; appPassword: AppPassword } | AppPasswordFailure> {
  const user = await deps.directory.findUser(userReference);
  if (!user) return failure('user-not-found', `no user ${userReference}`);
  const now = deps.clock.nowMs();
  return deps.store.writeTransaction(async (trx) => {
    const row = await trx
      .selectFrom('app_passwords')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('name', '=', name.trim())
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return failure('app-password-not-found', `${user.address} has no app password named "${name}"`);
    await trx.updateTable('app_passwords').set({ revoked_at: now }).where('id', '=', row.id).execute();
    await deps.store.changes.announce(trx, 'accounts');
    await deps.audit.appendWithin(trx, [
      {
        operation: 'RevokeAppPassword',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { name: row.name },
      },
    ]);
    return { ok: true as const, appPassword: toAppPassword({ ...row, revoked_at: now }, now) };
  });
}

/** Revokes every live app password of a user inside the caller's transaction (admin reset); the names. */
export async function revokeAllWithin(trx: Executor, userId: string, nowMs: number): Promise<string[]> {
  const rows = await trx
    .selectFrom('app_passwords')
    .select(['id', 'name'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
  if (rows.length > 0)
    await trx
      .updateTable('app_passwords')
      .set({ revoked_at: nowMs })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  return rows.map((row) => row.name);
}

/** The app password behind a typed secret (any state: the caller decides), or null. */
export async function findAppPasswordBySecret(
  db: Executor,
  normalized: string,
): Promise<AppPasswordTable | null> {
  return (await bySecretQuery(db, { secretHash: hashAppPasswordSecret(normalized) })).rows[0] ?? null;
}

/** Every mail sign-in with an app password runs it: compiled once (compiled-query.ts). */
const bySecretQuery = compiledQuery<{ secretHash: string }, AppPasswordTable>((db, param) =>
  db.selectFrom('app_passwords').selectAll().where('secret_hash', '=', param('secretHash')),
);
