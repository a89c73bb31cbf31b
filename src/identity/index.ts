export { createIdentity, type Identity, type IdentityDeps } from './identity.js';
export {
  createPasswordHasher,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PasswordHasher,
} from './passwords.js';
export type { MailSignInContext, MailSignInOutcome, SignedInUser } from './verify-mail-credentials.js';
