import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { ApiTokenTable, Store } from '../store/index.js';
import { type DirectoryFailure, directoryFailure } from './directory.outcomes.js';

export type ApiTokenRole = 'admin' | 'auditor';
export const apiTokenRoles: readonly ApiTokenRole[] = ['admin', 'auditor'];

export interface ApiToken {
  id: string;
  name: string;
  role: ApiTokenRole;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revoked: boolean;
  /** The admin this token acts for (it honours their MFA rules); null for a service token. */
  ownerUserId: string | null;
}

interface TokenDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
}

const TOKEN_PREFIX = 'mwt_';
/** 256 bits from the CSPRNG: a plain SHA-256 is enough at rest, no slow hash needed to resist guessing. */
const TOKEN_BYTES = 32;
/** last_used_at is refreshed at most this often, so that reads do not turn into writes. */
const LAST_USED_REFRESH_MS = 60_000;

export async function createApiToken(
  deps: TokenDeps,
  input: { name: string; role: ApiTokenRole; owner?: string | null },
  actor: Actor,
): Promise<{ ok: true; token: string; record: ApiToken } | DirectoryFailure> {
  const name = input.name.trim();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
    return directoryFailure(
      'invalid-name',
      'a token name is 1–64 letters, digits, dots, dashes or underscores',
    );
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  const now = deps.clock.nowMs();
  const row: ApiTokenTable = {
    id: randomUUID(),
    name,
    role: input.role,
    token_hash: hashToken(token),
    owner_user_id: null as string | null,
    created_at: now,
    created_by: actor.actor,
    last_used_at: null,
    revoked_at: null,
  };
  return deps.store.writeTransaction(async (trx) => {
    const existing = await trx
      .selectFrom('api_tokens')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) return directoryFailure('token-name-taken', `an API token named ${name} exists`);
    if (input.owner) {
      const owner = input.owner.trim().toLowerCase();
      const user = await trx
        .selectFrom('users')
        .select(['id', 'role'])
        .where((eb) => eb.or([eb('id', '=', input.owner!), eb('address', '=', owner)]))
        .executeTakeFirst();
      if (!user) return directoryFailure('user-not-found', `no user ${input.owner}`);
      if (user.role !== 'admin') return directoryFailure('invalid-owner', `${input.owner} is not an admin`);
      row.owner_user_id = user.id;
    }
    await trx.insertInto('api_tokens').values(row).execute();
    await deps.audit.appendWithin(trx, [
      {
        operation: 'CreateApiToken',
        result: 'success',
        ...actor,
        details: { name, role: input.role, ...(input.owner ? { owner: input.owner } : {}) },
      },
    ]);
    return { ok: true as const, token, record: toApiToken(row) };
  });
}

export async function revokeApiToken(
  deps: TokenDeps,
  name: string,
  actor: Actor,
): Promise<{ ok: true; record: ApiToken } | DirectoryFailure> {
  const now = deps.clock.nowMs();
  return deps.store.writeTransaction(async (trx) => {
    const row = await trx.selectFrom('api_tokens').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) return directoryFailure('token-not-found', `no API token named ${name}`);
    if (row.revoked_at === null) {
      await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', row.id).execute();
      await deps.audit.appendWithin(trx, [
        { operation: 'RevokeApiToken', result: 'success', ...actor, details: { name } },
      ]);
    }
    return { ok: true as const, record: toApiToken({ ...row, revoked_at: row.revoked_at ?? now }) };
  });
}

export async function listApiTokens(deps: Pick<TokenDeps, 'store'>): Promise<ApiToken[]> {
  const rows = await deps.store.db.selectFrom('api_tokens').selectAll().orderBy('name').execute();
  return rows.map(toApiToken);
}

/**
 * The token behind a bearer secret, or null. Looked up by the SHA-256 of the whole secret: the
 * comparison happens inside the index on a digest, which leaks nothing usable about the secret.
 */
export async function verifyApiToken(
  deps: Pick<TokenDeps, 'store' | 'clock'>,
  token: string,
): Promise<ApiToken | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await deps.store.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  const now = deps.clock.nowMs();
  if (row.last_used_at === null || now - row.last_used_at > LAST_USED_REFRESH_MS) {
    // Through writeTransaction so that waiting for another writer never blocks the event loop.
    await deps.store.writeTransaction((trx) =>
      trx.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute(),
    );
  }
  return toApiToken(row);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toApiToken(row: ApiTokenTable): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString(),
    revoked: row.revoked_at !== null,
    ownerUserId: row.owner_user_id,
  };
}
