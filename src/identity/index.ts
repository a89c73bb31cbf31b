export { createIdentity, type Identity, type IdentityDeps } from './identity.js';
// --- web half (MFA, passkeys, recovery codes, web sessions) ---
export type { MfaFailure, MfaFailureCode } from './mfa.outcomes.js';
export type { MfaRequirement, MfaSummary, WebSecondStep } from './mfa-policy.js';
export type { MfaMethods } from './mfa-state.js';
export type { Passkey, RelyingParty } from './passkeys.js';
export {
  createPasswordHasher,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PasswordHasher,
} from './passwords.js';
export { normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
export {
  fromBase32,
  matchTotpStep,
  otpauthUri,
  TOTP_STEP_SECONDS,
  toBase32,
  totpCode,
  totpStepAt,
} from './totp-code.js';
export type { MailSignInContext, MailSignInOutcome, SignedInUser } from './verify-mail-credentials.js';
export type { WebIdentity } from './web-identity.js';
export type { WebSession, WebSessionCheck, WebSessionPolicy, WebSessionStage } from './web-sessions.js';
// --- end web half ---
