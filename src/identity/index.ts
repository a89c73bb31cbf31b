// --- sign-in (signin helper) ---
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
export { networkOf } from './networks.js';
export {
  createPasswordHasher,
  isBannedPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PasswordHasher,
} from './passwords.js';
export type { RiskLevel, RiskReason, SignInRisk } from './risk.js';
export {
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
export { MAX_SIGN_IN_PAGE, type SignInEntry, type SignInFilter } from './sign-in-log.js';
// --- end sign-in ---
