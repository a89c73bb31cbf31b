import { randomBytes } from 'node:crypto';
import type { Alerts } from '../alerts/index.js';
import type { Actor, AuditLog } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { Clock } from '../runtime/clock.js';
import { type GeoLookup, noGeoLookup } from '../runtime/geoip.js';
import type { SecretBox } from '../runtime/secret-box.js';
import type { OrgSettingsService } from '../settings/index.js';
import type { Store } from '../store/index.js';
import { resetPassword, unlockUser } from './account-admin.js';
import {
  createAppPassword,
  listAppPasswords,
  type NewAppPassword,
  revokeAppPassword,
} from './app-passwords.js';
import {
  type MailPasswordMode,
  mailPasswordStates,
  passwordStorageCounts,
  setMailPassword,
} from './imported-accounts.js';
import { lastSignInTrackedSince, startLastSignInTracking } from './last-sign-in.js';
import { mfaStates } from './mfa-state.js';
import type { PasswordHasher } from './passwords.js';
import {
  recordSignInStep,
  type SignInDeps,
  type SignInRequest,
  type SignInStep,
  screenSignIn,
  signIn,
} from './sign-in.js';
import { listSignIns, pruneSignIns, type SignInFilter, signInsByCountry } from './sign-in-log.js';
import { createVerifiedCredentialCache } from './verified-credential-cache.js';
import { createWebIdentity } from './web-identity.js';
import type { WebSessionPolicy } from './web-sessions.js';

export interface IdentityDeps {
  store: Store;
  directory: Directory;
  audit: AuditLog;
  alerts: Alerts;
  settings: OrgSettingsService;
  clock: Clock;
  passwords: PasswordHasher;
  /** Offline GeoIP for the sign-in log and risk (runtime/geoip.ts); none in some tests. */
  geo?: GeoLookup;
  /** Seals TOTP seeds at rest. */
  secrets: SecretBox;
  webSessions: WebSessionPolicy;
}

/** How long a verified mail password skips argon2id; a password change ends it at once (see the cache). */
const VERIFIED_CREDENTIAL_TTL_MS = 10 * 60_000;
const VERIFIED_CREDENTIAL_MAX_ENTRIES = 100_000;

export function createIdentity(deps: IdentityDeps) {
  const cache = createVerifiedCredentialCache({
    ttlMs: VERIFIED_CREDENTIAL_TTL_MS,
    maxEntries: VERIFIED_CREDENTIAL_MAX_ENTRIES,
    nowMs: deps.clock.nowMs,
  });
  // The hash in each entry already misses after a password change; an account changed anywhere (state,
  // password, app passwords) also empties the cache, so no remembered success outlives it.
  deps.store.changes.subscribe('accounts', () => cache.clear());
  let decoy: Promise<string> | null = null;
  const decoyHash = () => {
    decoy ??= deps.passwords.hash(randomBytes(24).toString('base64'));
    return decoy;
  };
  const signInDeps: SignInDeps = { ...deps, geo: deps.geo ?? noGeoLookup, cache, decoyHash };
  const signInPart = {
    /** The one sign-in decision for web (first factor), SMTP, IMAP, POP3 and ManageSieve. */
    signIn: (request: SignInRequest) => signIn(signInDeps, request),
    /** Dovecot's auth policy, before the password: lockout, high-risk source. */
    screenSignIn: (request: Omit<SignInRequest, 'secret'>) => screenSignIn(signInDeps, request),
    /** Logs a step the web decides itself (second factor). */
    recordSignInStep: (step: SignInStep) => recordSignInStep(signInDeps, step),
    /** By user: a primary address, an alias or an id finds the account's entries; else the typed login's. */
    async listSignIns(filter: SignInFilter) {
      if (filter.login === undefined) return listSignIns(deps.store.db, filter);
      const user = await deps.directory.findUser(filter.login);
      const { login, ...rest } = filter;
      return listSignIns(deps.store.db, user ? { ...rest, userId: user.id } : filter);
    },
    /** A user's sign-ins since `sinceMs` by country and result (the sign-ins chart). */
    signInsByCountry: (userId: string, sinceMs: number) => signInsByCountry(deps.store.db, userId, sinceMs),
    /** Records, once, that users' last sign-ins are kept from now on (called at start). */
    startLastSignInTracking: () => startLastSignInTracking(deps.store.db, deps.clock.nowMs()),
    /** Since when users.last_sign_in_at has every successful sign-in (null: not yet). */
    lastSignInTrackedSince: () => lastSignInTrackedSince(deps.store.db),
    /** Drops sign-in log entries older than signIns.retentionDays; how many went. */
    async pruneSignIns(): Promise<number> {
      const days = await deps.settings.get('signIns.retentionDays');
      const now = deps.clock.nowMs();
      return pruneSignIns(deps.store, now - days * 86_400_000, now);
    },
    createAppPassword: (user: string, input: NewAppPassword, actor: Actor) =>
      createAppPassword(deps, user, input, actor),
    listAppPasswords: (user: string, options?: { includeRevoked?: boolean }) =>
      listAppPasswords(deps, user, options),
    revokeAppPassword: (user: string, name: string, actor: Actor) =>
      revokeAppPassword(deps, user, name, actor),
    resetPassword: (user: string, options: { revokeAppPasswords?: boolean }, actor: Actor) =>
      resetPassword(deps, user, options, actor),
    unlockUser: (user: string, actor: Actor) => unlockUser(deps, user, actor),
    /** Lets an account's mail clients keep the account password, or moves them to app passwords. */
    setMailPassword: (user: string, mode: MailPasswordMode, actor: Actor) =>
      setMailPassword(deps, user, mode, actor),
    /** Each account's mail password mode and import source, by address (for the admin pages). */
    mailPasswordStates: (addresses: readonly string[]) => mailPasswordStates(deps.store.db, addresses),
    /** Each account's MFA state, by address, in one query (for the admin users list). */
    mfaStates: (addresses: readonly string[]) => mfaStates(deps.store.db, addresses),
    /** How enabled accounts' passwords are stored (legacy schemes left) and who keeps the account password on mail. */
    passwordStorage: () => passwordStorageCounts(deps.store.db),
  };
  const web = createWebIdentity(deps, deps.webSessions);
  return {
    ...signInPart,
    mfa: web.mfa,
    webSessions: web.webSessions,
    /** Self-service change: current password or a second factor; ends the other web sessions. */
    changeOwnPassword: web.changeOwnPassword,
  };
}

export type Identity = ReturnType<typeof createIdentity>;
