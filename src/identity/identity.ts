import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { Clock } from '../runtime/clock.js';
import type { SecretBox } from '../runtime/secret-box.js';
import type { OrgSettingsService } from '../settings/index.js';
import type { Store } from '../store/index.js';
import type { PasswordHasher } from './passwords.js';
import { createVerifiedCredentialCache } from './verified-credential-cache.js';
import { type MailSignInContext, verifyMailCredentials } from './verify-mail-credentials.js';
import { createWebIdentity } from './web-identity.js';
import type { WebSessionPolicy } from './web-sessions.js';

export interface IdentityDeps {
  directory: Directory;
  audit: AuditLog;
  clock: Clock;
  passwords: PasswordHasher;
  // --- web half (MFA, passkeys, recovery codes, web sessions) ---
  store: Store;
  settings: OrgSettingsService;
  /** Seals TOTP seeds at rest. */
  secrets: SecretBox;
  webSessions: WebSessionPolicy;
  // --- end web half ---
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
  let decoy: Promise<string> | null = null;
  const decoyHash = () => {
    decoy ??= deps.passwords.hash(randomBytes(24).toString('base64'));
    return decoy;
  };
  // --- web half: identity.mfa, identity.webSessions ---
  const web = createWebIdentity(deps, deps.webSessions);
  // --- end web half ---
  return {
    mfa: web.mfa,
    webSessions: web.webSessions,
    changeOwnPassword: web.changeOwnPassword,
    /**
     * INTERIM web password step until signin's `identity.signIn({ protocol: 'web' })` is merged:
     * argon2id through the same check (and MailboxLogin audit) as mail sign-ins, no lockout or risk.
     */
    verifyWebPasswordInterim: (login: string, secret: string, context: Omit<MailSignInContext, 'protocol'>) =>
      verifyMailCredentials({ ...deps, cache, decoyHash }, login, secret, {
        ...context,
        protocol: 'web' as MailSignInContext['protocol'],
      }),
    verifyMailCredentials: (login: string, secret: string, context: MailSignInContext) =>
      verifyMailCredentials({ ...deps, cache, decoyHash }, login, secret, context),
  };
}

export type Identity = ReturnType<typeof createIdentity>;
