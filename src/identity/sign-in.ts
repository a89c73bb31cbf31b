import type { Alert, Alerts } from '../alerts/index.js';
import type { AuditLog, AuditRecordInput } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { Clock } from '../runtime/clock.js';
import type { GeoLocation, GeoLookup } from '../runtime/geoip.js';
import { timeOrderedId } from '../runtime/time-ordered-id.js';
import type { OrgSettingsService } from '../settings/index.js';
import {
  type AppPasswordTable,
  compiledQuery,
  type Executor,
  type FamiliarNetworkTable,
  type SignInTable,
  type Store,
  type UserTable,
} from '../store/index.js';
import { findAppPasswordBySecret, normalizeAppPasswordSecret } from './app-passwords.js';
import { upgradeImportedHash } from './imported-accounts.js';
import { LAST_SIGN_IN_REFRESH_MS, recordLastSignInQuery } from './last-sign-in.js';
import {
  activeLockUntil,
  bucketsFor,
  clearNetwork,
  failureTag,
  type LockoutSettings,
  lockoutRows,
  type NewLock,
  recordFailure,
} from './lockout.js';
import { cleanIp, networkOf } from './networks.js';
import { MAX_PASSWORD_LENGTH, type PasswordHasher } from './passwords.js';
import { assessRisk, riskRank, type SignInRisk } from './risk.js';
import {
  type CredentialCheck,
  decideSignIn,
  type SignInDecision,
  type SignInFacts,
  type SignInProtocol,
  type SignInRefusalCode,
} from './sign-in-decision.js';
import type { SignInLogReason } from './sign-in-reasons.js';
import type { VerifiedCredentialCache } from './verified-credential-cache.js';

/**
 * The one sign-in pipeline for every protocol (web first factor, SMTP, IMAP, POP3, ManageSieve):
 * lockout → credential (app password or account password) → account state → mail password policy →
 * risk policy; then one group-committed write: the sign-in log entry, its MailboxLogin audit record,
 * the lockout counters, the familiar network, the app password's last use and any alert.
 *
 * What a refusal reveals: a locked-out source learns only that (no password is checked); everything
 * about the account (disabled, MFA, policy, risk) is told only to someone who gave the right secret.
 */
export {
  type MailProtocol,
  type SignInProtocol,
  type SignInRefusalCode,
  signInRefusalCodes,
} from './sign-in-decision.js';

export interface SignInRequest {
  login: string;
  secret: string;
  protocol: SignInProtocol;
  clientIp: string | null;
  /** Mail client name, EHLO name or browser user agent, as the adapter knows it. */
  clientInfo?: string | null;
  sessionId?: string | null;
}

export interface SignedInUser {
  id: string;
  address: string;
  role: 'user' | 'admin';
  /** users.mfa_state: 'disabled' means no second factor. */
  mfaState: 'disabled' | 'enabled' | 'enforced';
  /** Set by an admin reset: on the web, the user must change the password before anything else. */
  mustChangePassword: boolean;
}

export type SignInOutcome =
  | {
      ok: true;
      user: SignedInUser;
      /** 'password' or 'app-password:<name>'. */
      credential: string;
      risk: SignInRisk;
      signInId: string;
    }
  | {
      ok: false;
      code: SignInRefusalCode;
      risk: SignInRisk;
      signInId: string;
      /** locked-out: seconds until the lock of this source ends. */
      retryAfterSeconds?: number;
    };

export interface SignInDeps {
  store: Store;
  directory: Directory;
  audit: AuditLog;
  alerts: Alerts;
  settings: OrgSettingsService;
  clock: Clock;
  geo: GeoLookup;
  passwords: PasswordHasher;
  cache: VerifiedCredentialCache;
  /** A real argon2id hash of a random secret, verified for unknown users so timing does not tell. */
  decoyHash: () => Promise<string>;
}

const MAX_FIELD = 254;
/** A familiar network's last_at is refreshed at most this often (it only ages networks out, after a year). */
const FAMILIAR_REFRESH_MS = 60 * 60_000;
/**
 * An app password's last use (shown to its owner and read by Secure Score's unused-app-passwords
 * control, which counts in days) is rewritten at most this often while the address and protocol stay
 * the same: a phone that signs in every few seconds costs no write each time.
 */
export const APP_PASSWORD_LAST_USE_REFRESH_MS = 60_000;

function lastUseChanged(
  appPassword: AppPasswordTable,
  nowMs: number,
  clientIp: string | null,
  protocol: SignInProtocol,
): boolean {
  return (
    appPassword.last_used_at === null ||
    appPassword.last_used_at <= nowMs - APP_PASSWORD_LAST_USE_REFRESH_MS ||
    appPassword.last_used_ip !== clientIp ||
    appPassword.last_used_protocol !== protocol
  );
}

/** The login as typed, trimmed, in lower case and bounded (it is logged even for unknown names). */
function typedLogin(login: unknown): string {
  return clip(
    String(login ?? '')
      .trim()
      .toLowerCase(),
    MAX_FIELD,
  );
}

/**
 * What a login names, read together on one snapshot: the account (null for an unknown name), the
 * lockout rows of the typed login and the networks the account signed in from before.
 */
async function readAccount(deps: SignInDeps, reader: Executor, login: string) {
  // Independent reads, in parallel (PostgreSQL runs them on separate connections).
  const [row, lockouts, familiarRows] = await Promise.all([
    login === '' ? Promise.resolve(null) : deps.directory.findLoginRow(login, reader),
    lockoutRows(reader, login),
    login === '' ? Promise.resolve({ rows: [] }) : familiarNetworksQuery(reader, { login }),
  ]);
  const familiar = row ? familiarRows.rows.filter((entry) => entry.user_id === row.id) : [];
  return { row, lockouts, familiar };
}

// Every sign-in runs these: built and compiled once (compiled-query.ts).
const familiarNetworksQuery = compiledQuery<{ login: string }, FamiliarNetworkTable>((db, param) =>
  db
    .selectFrom('familiar_networks')
    .innerJoin('users', 'users.id', 'familiar_networks.user_id')
    .selectAll('familiar_networks')
    .where('users.address', '=', param('login')),
);

const SIGN_IN_COLUMNS = [
  'id',
  'at',
  'user_id',
  'login',
  'protocol',
  'client_ip',
  'country',
  'city',
  'latitude',
  'longitude',
  'client',
  'result',
  'reason',
  'credential',
  'risk_level',
  'risk_reasons',
  'failure_tag',
] as const satisfies ReadonlyArray<keyof SignInTable>;

const insertSignInQuery = compiledQuery<{ [K in keyof SignInTable]: SignInTable[K] }, never>((db, param) =>
  db
    .insertInto('sign_ins')
    .values(Object.fromEntries(SIGN_IN_COLUMNS.map((column) => [column, param(column)])) as never),
);

/** A sign-in log row: who, from where (with its GeoIP place), with what client, and how it ended. */
function signInEntry(entry: {
  nowMs: number;
  userId: string | null;
  login: string;
  protocol: SignInProtocol;
  clientIp: string | null;
  geo: GeoLocation | null;
  clientInfo: string | null | undefined;
  result: 'success' | 'failure';
  reason: SignInLogReason;
  credential: string | null;
  risk: SignInRisk;
  failureTag?: string | null;
}): SignInTable {
  return {
    id: timeOrderedId(entry.nowMs),
    at: entry.nowMs,
    user_id: entry.userId,
    login: entry.login,
    protocol: entry.protocol,
    client_ip: entry.clientIp,
    country: entry.geo?.country ?? null,
    city: entry.geo?.city ?? null,
    latitude: entry.geo?.latitude ?? null,
    longitude: entry.geo?.longitude ?? null,
    client: entry.clientInfo ? clip(entry.clientInfo, 200) : null,
    result: entry.result,
    reason: entry.reason,
    credential: entry.credential,
    risk_level: entry.risk.level,
    risk_reasons: JSON.stringify(entry.risk.reasons),
    failure_tag: entry.failureTag ?? null,
  };
}

/** The risk of this attempt on the account readAccount found (null row: an unknown name). */
function assessAccountRisk(
  reader: Executor,
  account: Awaited<ReturnType<typeof readAccount>>,
  attempt: {
    nowMs: number;
    login: string;
    clientIp: string | null;
    network: string;
    geo: GeoLocation | null;
    threshold: number;
  },
): Promise<SignInRisk> {
  const { row, familiar, lockouts } = account;
  return assessRisk(reader, {
    ...attempt,
    userId: row?.id ?? null,
    login: row?.address ?? attempt.login,
    familiar,
    lockouts,
  });
}

const recordAppPasswordUseQuery = compiledQuery<
  { id: string; nowMs: number; clientIp: string | null; protocol: string },
  never
>((db, param) =>
  db
    .updateTable('app_passwords')
    .set({
      last_used_at: param('nowMs'),
      last_used_ip: param('clientIp'),
      last_used_protocol: param('protocol'),
    })
    .where('id', '=', param('id')),
);

/** What a sign-in read: the decision's facts, and what recording the outcome needs besides. */
interface SignInReading {
  facts: SignInFacts;
  nowMs: number;
  login: string;
  secret: string;
  clientIp: string | null;
  network: string;
  geo: GeoLocation | null;
  buckets: ReturnType<typeof bucketsFor>;
  lockSettings: LockoutSettings;
  row: UserTable | null;
  lockouts: Awaited<ReturnType<typeof readAccount>>['lockouts'];
  familiar: FamiliarNetworkTable[];
}

/** signIn: read everything the decision needs, decide (pure), record the outcome. */
export async function signIn(deps: SignInDeps, request: SignInRequest): Promise<SignInOutcome> {
  const reading = await readSignIn(deps, request);
  const decision = decideSignIn(reading.facts);
  return recordSignIn(deps, request, reading, decision);
}

/**
 * The read step: settings, GeoIP, the account, its lockouts and familiar networks, the app password
 * the secret names and the risk, on one snapshot; then the credential check, skipped for a
 * locked-out source (it learns nothing about the password).
 */
async function readSignIn(deps: SignInDeps, request: SignInRequest): Promise<SignInReading> {
  const nowMs = deps.clock.nowMs();
  const login = typedLogin(request.login);
  const secret = String(request.secret ?? '');
  const clientIp = cleanIp(request.clientIp);
  const network = networkOf(clientIp);
  const protocol = request.protocol;
  const settings = await deps.settings.current();
  const lockSettings: LockoutSettings = {
    enabled: settings['lockout.enabled'],
    threshold: settings['lockout.threshold'],
    durationSeconds: settings['lockout.durationSeconds'],
  };
  // App passwords only for mail clients: the web wants the account password and a second factor.
  const normalized = protocol === 'web' ? null : normalizeAppPasswordSecret(secret);
  // Before the snapshot: the first lookup loads the GeoIP file, which must not hold the database.
  const geo = await deps.geo.lookup(clientIp).catch(() => null);
  const { row, lockouts, familiar, appPasswordRow, risk } = await deps.store.readSnapshot(async (reader) => {
    const [account, appPasswordRow] = await Promise.all([
      readAccount(deps, reader, login),
      normalized === null ? Promise.resolve(null) : findAppPasswordBySecret(reader, normalized),
    ]);
    const risk = await assessAccountRisk(reader, account, {
      nowMs,
      login,
      clientIp,
      network,
      geo,
      threshold: lockSettings.threshold,
    });
    return { ...account, appPasswordRow, risk };
  });
  const buckets = bucketsFor(
    network,
    familiar.some((entry) => entry.network === network),
  );
  const lockedUntil = lockSettings.enabled ? activeLockUntil(lockouts, buckets, nowMs) : null;
  const credential =
    lockedUntil !== null ? null : await checkCredential(deps, { row, appPasswordRow, secret, nowMs });
  return {
    facts: {
      protocol,
      nowMs,
      account: row,
      lockedUntil,
      credential,
      risk,
      policy: {
        mailAccountPassword: settings['mailSignIn.accountPassword'],
        riskPolicyEnabled: settings['risk.policyEnabled'],
      },
    },
    nowMs,
    login,
    secret,
    clientIp,
    network,
    geo,
    buckets,
    lockSettings,
    row,
    lockouts,
    familiar,
  };
}

/** The secret against the app password it names (mail protocols) or the account password. */
async function checkCredential(
  deps: SignInDeps,
  input: { row: UserTable | null; appPasswordRow: AppPasswordTable | null; secret: string; nowMs: number },
): Promise<CredentialCheck> {
  const { row: user, appPasswordRow: appPassword, secret } = input;
  if (user && appPassword && appPassword.user_id === user.id) {
    if (appPassword.revoked_at !== null)
      return { ok: false, reason: 'app-password-revoked', countFailure: true };
    if (appPassword.expires_at !== null && appPassword.expires_at <= input.nowMs)
      return { ok: false, reason: 'app-password-expired', countFailure: true };
    return { ok: true, appPassword };
  }
  // Longer than any password can be set: wrong without hashing it (a 1 MB "password" costs nothing).
  if ([...secret].length > MAX_PASSWORD_LENGTH)
    return { ok: false, reason: user ? 'wrong-password' : 'unknown-user', countFailure: true };
  if (!user || user.password_hash === null) {
    await deps.passwords.verify(await deps.decoyHash(), secret);
    return { ok: false, reason: user ? 'no-password-set' : 'unknown-user', countFailure: true };
  }
  const matches =
    deps.cache.has(user.id, user.password_hash, secret) ||
    (await deps.passwords.verify(user.password_hash, secret));
  if (!matches) return { ok: false, reason: 'wrong-password', countFailure: true };
  deps.cache.remember(user.id, user.password_hash, secret);
  return { ok: true, appPassword: null };
}

/**
 * The record step, in one group-committed write: the sign-in log entry, its MailboxLogin audit
 * record, the lockout counters, the familiar network, the app password's last use and any alert;
 * then the LockOut audit record of a new lock.
 */
async function recordSignIn(
  deps: SignInDeps,
  request: SignInRequest,
  reading: SignInReading,
  decision: SignInDecision,
): Promise<SignInOutcome> {
  const { nowMs, secret, clientIp, network, geo, buckets, lockSettings, row, lockouts, familiar } = reading;
  const { protocol, risk } = reading.facts;
  const entryLogin = row?.address ?? reading.login;
  const entry = signInEntry({
    nowMs,
    userId: row?.id ?? null,
    login: entryLogin,
    protocol,
    clientIp,
    geo,
    clientInfo: request.clientInfo,
    result: decision.ok ? 'success' : 'failure',
    reason: decision.reason,
    credential: decision.credential,
    risk,
    failureTag: decision.countFailure ? failureTag(entryLogin, secret) : null,
  });
  const signInId = entry.id;
  const record: AuditRecordInput = {
    operation: 'MailboxLogin',
    result: decision.ok ? 'success' : 'failure',
    // Failed sign-ins to unknown names are still recorded, under the name that was tried.
    mailbox: entryLogin,
    actor: entryLogin,
    logonType: 'owner',
    clientIp,
    protocol,
    clientInfo: request.clientInfo ?? null,
    sessionId: request.sessionId ?? null,
    details: {
      reason: decision.reason,
      credential: decision.credential,
      risk: risk.level,
      ...(risk.reasons.length > 0 ? { riskReasons: risk.reasons } : {}),
      ...(geo ? { country: geo.country } : {}),
    },
  };
  const raised: { alert: Alert; isNew: boolean }[] = [];
  let locks: NewLock[] = [];
  const alert =
    riskRank[risk.level] >= riskRank.medium &&
    (decision.credentialVerified || risk.reasons.includes('password-spray'));
  await deps.audit.append(record, async (trx) => {
    await insertSignInQuery(trx, entry);
    if (decision.countFailure && lockSettings.enabled)
      locks = await recordFailure(trx, {
        login: entryLogin,
        buckets,
        tag: entry.failure_tag ?? failureTag(entryLogin, secret),
        nowMs,
        settings: lockSettings,
      });
    if (decision.ok && row) {
      // Writes only what changes: most sign-ins come from a network with no failures, seen lately.
      if (lockouts.some((lockout) => lockout.source === network))
        await clearNetwork(trx, entryLogin, network);
      const seen = familiar.find((entry) => entry.network === network);
      if (network !== 'unknown' && (!seen || seen.last_at < nowMs - FAMILIAR_REFRESH_MS))
        await rememberNetwork(trx, row.id, network, geo, nowMs);
      if (row.last_sign_in_at === null || row.last_sign_in_at < nowMs - LAST_SIGN_IN_REFRESH_MS)
        await recordLastSignInQuery(trx, { id: row.id, nowMs });
    }
    if (
      decision.ok &&
      decision.appPassword &&
      lastUseChanged(decision.appPassword, nowMs, clientIp, protocol)
    )
      await recordAppPasswordUseQuery(trx, {
        id: decision.appPassword.id,
        nowMs,
        clientIp,
        protocol,
      });
    if (alert)
      raised.push(
        await deps.alerts.raiseWithin(trx, {
          type: 'suspicious-sign-in',
          mailbox: row ? row.address : null,
          evidence: {
            login: entryLogin,
            protocol,
            clientIp,
            country: geo?.country ?? null,
            city: geo?.city ?? null,
            risk: risk.level,
            reasons: risk.reasons,
            result: entry.result,
            reason: decision.reason,
            signInId,
          },
        }),
      );
  });
  deps.alerts.announce(raised);
  // The first successful sign-in with an imported hash replaces it by argon2id. It does not decide
  // the sign-in: should it fail, the legacy hash stays and the next sign-in tries again.
  if (decision.ok && row && decision.appPassword === null && row.password_hash?.startsWith('{'))
    await upgradeImportedHash(deps, row, secret, { clientIp, protocol }).catch(() => false);
  if (locks.length > 0)
    await deps.audit.append({
      operation: 'LockOut',
      result: 'success',
      mailbox: entryLogin,
      actor: 'system',
      logonType: 'system',
      clientIp,
      protocol,
      details: {
        sources: locks.map((lock) => lock.source),
        until: new Date(Math.max(...locks.map((lock) => lock.lockedUntil))).toISOString(),
        lockCount: Math.max(...locks.map((lock) => lock.lockCount)),
      },
    });

  if (decision.ok && row)
    return {
      ok: true,
      user: {
        id: row.id,
        address: row.address,
        role: row.role,
        mfaState: row.mfa_state,
        mustChangePassword: row.must_change_password === 1,
      },
      credential: decision.credential ?? 'password',
      risk,
      signInId,
    };
  return {
    ok: false,
    code: decision.ok ? 'bad-credentials' : decision.code,
    risk,
    signInId,
    ...(decision.retryAfterSeconds !== undefined ? { retryAfterSeconds: decision.retryAfterSeconds } : {}),
  };
}

async function rememberNetwork(
  trx: Executor,
  userId: string,
  network: string,
  geo: GeoLocation | null,
  nowMs: number,
): Promise<void> {
  await trx
    .insertInto('familiar_networks')
    .values({ user_id: userId, network, country: geo?.country ?? null, first_at: nowMs, last_at: nowMs })
    .onConflict((oc) => oc.columns(['user_id', 'network']).doUpdateSet({ last_at: nowMs }))
    .execute();
}

function clip(text: string, length: number): string {
  return text.length > length ? text.slice(0, length) : text;
}

/** A sign-in log entry for a step the web adapter decides itself (second factor: TOTP, passkey, recovery code). */
export interface SignInStep {
  userId: string;
  protocol: SignInProtocol;
  clientIp: string | null;
  clientInfo?: string | null;
  sessionId?: string | null;
  result: 'success' | 'failure';
  /** e.g. 'signed-in', 'wrong-or-used-code' (the closed list: sign-in-reasons.ts). */
  reason: SignInLogReason;
  /** 'totp', 'passkey', 'recovery-code', 'master-user:<name>'. */
  credential: string;
  risk?: SignInRisk;
  /**
   * Someone other than the account's owner signed in to it (a Dovecot master user: an administrator
   * opening the mailbox with their own password); the audit record names them. Absent: the owner.
   */
  actedBy?: { actor: string; logonType: 'admin' | 'delegate' };
}

export async function recordSignInStep(deps: SignInDeps, step: SignInStep): Promise<string> {
  const nowMs = deps.clock.nowMs();
  const user = await deps.directory.findUser(step.userId);
  const login = user?.address ?? step.userId;
  const clientIp = cleanIp(step.clientIp);
  const geo = await deps.geo.lookup(clientIp).catch(() => null);
  const risk: SignInRisk = step.risk ?? { level: 'none', reasons: [] };
  const entry = signInEntry({
    nowMs,
    userId: user?.id ?? null,
    login,
    protocol: step.protocol,
    clientIp,
    geo,
    clientInfo: step.clientInfo,
    result: step.result,
    reason: step.reason,
    credential: step.credential,
    risk,
  });
  await deps.audit.append(
    {
      operation: 'MailboxLogin',
      result: step.result,
      mailbox: login,
      actor: step.actedBy?.actor ?? login,
      logonType: step.actedBy?.logonType ?? 'owner',
      clientIp,
      protocol: step.protocol,
      clientInfo: step.clientInfo ?? null,
      sessionId: step.sessionId ?? null,
      details: { reason: step.reason, credential: step.credential, risk: risk.level },
    },
    async (trx) => {
      await insertSignInQuery(trx, entry);
    },
  );
  return entry.id;
}

/** What Dovecot's auth policy server may deny before a password is checked (no secret is involved). */
export type ScreenOutcome =
  | { allow: true }
  | { allow: false; code: 'locked-out' | 'high-risk'; message: string };

export const screenMessages = {
  'locked-out': 'Too many failed sign-ins from your network, try again later',
  'high-risk': 'Sign-in blocked by security policy, contact your administrator',
} as const;

/**
 * The checks that need no credential (Dovecot's auth policy `command=allow`): a lockout of this
 * source and a high-risk source (password spray). A denial is logged like any refused sign-in.
 * An account restricted from sending is not screened out: the restriction is about sending (the
 * gateway's MAIL FROM and Postfix's policy service refuse it), and its owner must still read mail
 * and sign in to secure the account.
 */
export async function screenSignIn(
  deps: SignInDeps,
  request: Omit<SignInRequest, 'secret'>,
): Promise<ScreenOutcome> {
  const nowMs = deps.clock.nowMs();
  const login = typedLogin(request.login);
  const clientIp = cleanIp(request.clientIp);
  const network = networkOf(clientIp);
  const settings = await deps.settings.current();
  const db = deps.store.db;
  const account = await deps.store.readSnapshot((reader) => readAccount(deps, reader, login));
  const { row, lockouts, familiar } = account;
  const buckets = bucketsFor(
    network,
    familiar.some((entry) => entry.network === network),
  );
  let code: 'locked-out' | 'high-risk' | null = null;
  if (settings['lockout.enabled'] && activeLockUntil(lockouts, buckets, nowMs) !== null) code = 'locked-out';
  let risk: SignInRisk = { level: 'none', reasons: [] };
  let geo: GeoLocation | null = null;
  if (code === null && settings['risk.policyEnabled']) {
    geo = await deps.geo.lookup(clientIp).catch(() => null);
    risk = await assessAccountRisk(db, account, {
      nowMs,
      login,
      clientIp,
      network,
      geo,
      threshold: settings['lockout.threshold'],
    });
    // Only what holds whatever the password: the others depend on whether the right one comes.
    if (risk.reasons.includes('password-spray')) code = 'high-risk';
  }
  if (code === null) return { allow: true };
  const entryLogin = row?.address ?? login;
  geo ??= await deps.geo.lookup(clientIp).catch(() => null);
  await deps.audit.append(
    {
      operation: 'MailboxLogin',
      result: 'failure',
      mailbox: entryLogin,
      actor: entryLogin,
      logonType: 'owner',
      clientIp,
      protocol: request.protocol,
      clientInfo: request.clientInfo ?? null,
      sessionId: request.sessionId ?? null,
      details: { reason: code, stage: 'before-password', risk: risk.level },
    },
    async (trx) => {
      await insertSignInQuery(
        trx,
        signInEntry({
          nowMs,
          userId: row?.id ?? null,
          login: entryLogin,
          protocol: request.protocol,
          clientIp,
          geo,
          clientInfo: request.clientInfo,
          result: 'failure',
          reason: code,
          credential: null,
          risk,
        }),
      );
    },
  );
  return { allow: false, code, message: screenMessages[code] };
}
