import type { verifyRegistrationResponse } from '@simplewebauthn/server';
import type { Actor } from '../audit/index.js';
import { type MfaFailure, mfaFailure } from './mfa.outcomes.js';
import type { MfaDeps, MfaSubject } from './mfa-deps.js';
import { syncMfaState } from './mfa-state.js';
import { putChallenge, takeChallenge } from './web-sessions.js';

/**
 * @simplewebauthn/server (with its CBOR and X.509 parsers, some 4 MB of heap) is loaded by the first
 * passkey ceremony, not by every `serve` worker: most never see one.
 */
let webauthnLoading: Promise<typeof import('@simplewebauthn/server')> | null = null;
const webauthn = () => {
  webauthnLoading ??= import('@simplewebauthn/server');
  return webauthnLoading;
};

/** The relying party as the browser sees it: RP ID (a host name) and the page's origin. */
export interface RelyingParty {
  rpId: string;
  origin: string;
}

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  signCount: number;
}

/** WebAuthn §13.4.3: challenges are random, single use and short-lived. */
const CHALLENGE_TTL_MS = 5 * 60_000;
const RP_NAME = 'Mailwarden';
const MAX_PASSKEYS = 20;

export function checkPasskeyName(name: string): string | null {
  const trimmed = name.trim();
  return trimmed.length >= 1 && trimmed.length <= 64 && !/\p{Cc}/u.test(trimmed) ? trimmed : null;
}

export async function passkeyRegistrationOptions(
  deps: MfaDeps,
  sessionId: string,
  user: MfaSubject,
  rp: RelyingParty,
) {
  const existing = await deps.store.db
    .selectFrom('passkeys')
    .select(['id', 'transports'])
    .where('user_id', '=', user.id)
    .execute();
  const { generateRegistrationOptions } = await webauthn();
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: rp.rpId,
    userName: user.address,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    timeout: CHALLENGE_TTL_MS,
    // The same authenticator twice would be one factor counted as two.
    excludeCredentials: existing.map((row) => ({ id: row.id, transports: parseTransports(row.transports) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  await putChallenge(deps, sessionId, 'passkey-registration', options.challenge, CHALLENGE_TTL_MS);
  return options;
}

export async function verifyPasskeyRegistration(
  deps: MfaDeps,
  input: { sessionId: string; user: MfaSubject; rp: RelyingParty; response: unknown; name: string },
  actor: Actor,
): Promise<{ ok: true; passkey: Passkey } | MfaFailure> {
  const name = checkPasskeyName(input.name);
  if (!name) return mfaFailure('invalid-name', 'a passkey name is 1–64 characters');
  const challenge = await takeChallenge(deps, input.sessionId, 'passkey-registration');
  if (!challenge) return mfaFailure('no-challenge', 'the passkey request expired; try again');
  const { verifyRegistrationResponse: verifyRegistration } = await webauthn();
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistration({
      // biome-ignore lint/suspicious/noExplicitAny: shape checked by the library, which throws on garbage
      response: input.response as any,
      expectedChallenge: challenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.rpId,
      requireUserVerification: false,
    });
  } catch {
    return mfaFailure('passkey-not-verified', 'the passkey could not be verified');
  }
  if (!verified.verified) return mfaFailure('passkey-not-verified', 'the passkey could not be verified');
  const { credential } = verified.registrationInfo;
  const now = deps.clock.nowMs();
  return deps.store.writeTransaction(async (trx) => {
    const count = await trx
      .selectFrom('passkeys')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('user_id', '=', input.user.id)
      .executeTakeFirst();
    if (Number(count?.n ?? 0) >= MAX_PASSKEYS)
      return mfaFailure('invalid-name', `at most ${MAX_PASSKEYS} passkeys per account`);
    const taken = await trx
      .selectFrom('passkeys')
      .select('id')
      .where('id', '=', credential.id)
      .executeTakeFirst();
    if (taken) return mfaFailure('passkey-not-verified', 'this passkey is already registered');
    const row = {
      id: credential.id,
      user_id: input.user.id,
      name,
      public_key: Buffer.from(credential.publicKey).toString('base64url'),
      sign_count: credential.counter,
      transports: credential.transports ? JSON.stringify(credential.transports) : null,
      created_at: now,
      last_used_at: null,
    };
    await trx.insertInto('passkeys').values(row).execute();
    await syncMfaState(trx, input.user.id);
    await deps.audit.appendWithin(trx, [
      {
        operation: 'EnrolMfaMethod',
        result: 'success',
        mailbox: input.user.address,
        ...actor,
        details: { method: 'passkey', name },
      },
    ]);
    return { ok: true as const, passkey: toPasskey(row) };
  });
}

export async function passkeyAuthenticationOptions(
  deps: MfaDeps,
  sessionId: string,
  userId: string,
  rp: RelyingParty,
) {
  const existing = await deps.store.db
    .selectFrom('passkeys')
    .select(['id', 'transports'])
    .where('user_id', '=', userId)
    .execute();
  const { generateAuthenticationOptions } = await webauthn();
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    timeout: CHALLENGE_TTL_MS,
    userVerification: 'preferred',
    allowCredentials: existing.map((row) => ({ id: row.id, transports: parseTransports(row.transports) })),
  });
  await putChallenge(deps, sessionId, 'passkey-authentication', options.challenge, CHALLENGE_TTL_MS);
  return options;
}

/**
 * Verifies an assertion by one of the user's own passkeys. The sign counter must grow (WebAuthn
 * §6.1.1: a counter that does not hints at a cloned authenticator; the library refuses it) and is
 * stored with a compare-and-set, so two concurrent uses of one assertion cannot both pass.
 */
export async function verifyPasskeyAuthentication(
  deps: MfaDeps,
  input: { sessionId: string; userId: string; rp: RelyingParty; response: unknown },
): Promise<{ ok: true; passkey: Passkey } | MfaFailure> {
  const challenge = await takeChallenge(deps, input.sessionId, 'passkey-authentication');
  if (!challenge) return mfaFailure('no-challenge', 'the passkey request expired; try again');
  const credentialId =
    typeof input.response === 'object' && input.response !== null && 'id' in input.response
      ? String((input.response as { id: unknown }).id)
      : '';
  const row = await deps.store.db
    .selectFrom('passkeys')
    .selectAll()
    .where('id', '=', credentialId)
    .where('user_id', '=', input.userId)
    .executeTakeFirst();
  if (!row) return mfaFailure('passkey-not-found', 'this passkey is not registered to your account');
  let newCounter: number;
  try {
    const verified = await (await webauthn()).verifyAuthenticationResponse({
      // biome-ignore lint/suspicious/noExplicitAny: shape checked by the library, which throws on garbage
      response: input.response as any,
      expectedChallenge: challenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.rpId,
      requireUserVerification: false,
      credential: {
        id: row.id,
        publicKey: new Uint8Array(Buffer.from(row.public_key, 'base64url')),
        counter: Number(row.sign_count),
        transports: parseTransports(row.transports),
      },
    });
    if (!verified.verified) return mfaFailure('passkey-not-verified', 'the passkey could not be verified');
    newCounter = verified.authenticationInfo.newCounter;
  } catch {
    return mfaFailure('passkey-not-verified', 'the passkey could not be verified');
  }
  const now = deps.clock.nowMs();
  const updated = await deps.store.writeTransaction((trx) =>
    trx
      .updateTable('passkeys')
      .set({ sign_count: newCounter, last_used_at: now })
      .where('id', '=', row.id)
      .where('sign_count', '=', row.sign_count)
      .executeTakeFirst(),
  );
  if (Number(updated.numUpdatedRows) !== 1)
    return mfaFailure('passkey-not-verified', 'the passkey was used concurrently; try again');
  return { ok: true, passkey: toPasskey({ ...row, sign_count: newCounter, last_used_at: now }) };
}

export async function listPasskeys(deps: Pick<MfaDeps, 'store'>, userId: string): Promise<Passkey[]> {
  const rows = await deps.store.db
    .selectFrom('passkeys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  return rows.map(toPasskey);
}

export async function renamePasskey(
  deps: MfaDeps,
  user: MfaSubject,
  passkeyId: string,
  newName: string,
  actor: Actor,
): Promise<{ ok: true } | MfaFailure> {
  const name = checkPasskeyName(newName);
  if (!name) return mfaFailure('invalid-name', 'a passkey name is 1–64 characters');
  return deps.store.writeTransaction(async (trx) => {
    const updated = await trx
      .updateTable('passkeys')
      .set({ name })
      .where('id', '=', passkeyId)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return mfaFailure('passkey-not-found', 'no such passkey');
    await deps.audit.appendWithin(trx, [
      { operation: 'RenamePasskey', result: 'success', mailbox: user.address, ...actor, details: { name } },
    ]);
    return { ok: true as const };
  });
}

export async function removePasskey(
  deps: MfaDeps,
  user: MfaSubject,
  passkeyId: string,
  actor: Actor,
): Promise<{ ok: true } | MfaFailure> {
  return deps.store.writeTransaction(async (trx) => {
    const row = await trx
      .selectFrom('passkeys')
      .select('name')
      .where('id', '=', passkeyId)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (!row) return mfaFailure('passkey-not-found', 'no such passkey');
    await trx.deleteFrom('passkeys').where('id', '=', passkeyId).execute();
    await syncMfaState(trx, user.id);
    await deps.audit.appendWithin(trx, [
      {
        operation: 'RemoveMfaMethod',
        result: 'success',
        mailbox: user.address,
        ...actor,
        details: { method: 'passkey', name: row.name },
      },
    ]);
    return { ok: true as const };
  });
}

function parseTransports(text: string | null) {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text);
    // biome-ignore lint/suspicious/noExplicitAny: authenticator transports as they were reported
    return Array.isArray(parsed) ? (parsed as any[]) : undefined;
  } catch {
    return undefined;
  }
}

function toPasskey(row: {
  id: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
  sign_count: number;
}): Passkey {
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)).toISOString(),
    signCount: Number(row.sign_count),
  };
}
