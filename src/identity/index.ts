export type { AccountFailure } from './account-admin.js';
export {
  APP_PASSWORD_SCOPES,
  type AppPassword,
  type AppPasswordFailure,
  type AppPasswordFailureCode,
  type AppPasswordScope,
  type NewAppPassword,
} from './app-passwords.js';
export { createIdentity, type Identity, type IdentityDeps } from './identity.js';
export {
  isMailPasswordMode,
  MAIL_PASSWORD_MODES,
  type MailPasswordMode,
  type MailPasswordState,
  type PasswordStorageCounts,
} from './imported-accounts.js';
export { LAST_SIGN_IN_REFRESH_MS } from './last-sign-in.js';
export {
  IMPORTED_HASH_SCHEMES,
  type ImportedHash,
  type ImportedHashScheme,
  importedSchemeOf,
  normalizeImportedHash,
  WEAK_HASH_SCHEMES,
} from './legacy-hashes.js';
export type { MfaFailure, MfaFailureCode } from './mfa.outcomes.js';
export type { MfaRequirement, MfaSummary, WebSecondStep } from './mfa-policy.js';
export type { MfaMethods } from './mfa-state.js';
export { networkOf } from './networks.js';
export type { Passkey, RelyingParty } from './passkeys.js';
export {
  createPasswordHasher,
  isBannedPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PasswordHasher,
} from './passwords.js';
export { normalizeRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
export type { RiskLevel, RiskReason, SignInRisk } from './risk.js';
export {
  APP_PASSWORD_LAST_USE_REFRESH_MS,
  type MailProtocol,
  type ScreenOutcome,
  type SignedInUser,
  type SignInOutcome,
  type SignInProtocol,
  type SignInRefusalCode,
  type SignInRequest,
  type SignInStep,
  screenMessages,
  signInRefusalCodes,
} from './sign-in.js';
export {
  type CredentialCheck,
  decideSignIn,
  type SignInDecision,
  type SignInFacts,
} from './sign-in-decision.js';
export {
  MAX_SIGN_IN_PAGE,
  type SignInEntry,
  type SignInFilter,
  type SignInsFromCountry,
} from './sign-in-log.js';
export { isSignInLogReason, type SignInLogReason, signInLogReasons } from './sign-in-reasons.js';
export {
  fromBase32,
  matchTotpStep,
  otpauthUri,
  TOTP_STEP_SECONDS,
  toBase32,
  totpCode,
  totpStepAt,
} from './totp-code.js';
export type { WebIdentity } from './web-identity.js';
export type { WebSession, WebSessionCheck, WebSessionPolicy, WebSessionStage } from './web-sessions.js';
