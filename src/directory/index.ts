export { type ApiToken, type ApiTokenRole, apiTokenRoles } from './api-tokens.js';
export { createDirectory, type Directory, type DirectoryDeps } from './directory.js';
export {
  type DirectoryFailure,
  type DirectoryFailureCode,
  directoryFailureCodes,
} from './directory.outcomes.js';
export type { Domain } from './domains.js';
export { isDomainName, parseEmailAddress } from './email-address.js';
export type { Group } from './groups.js';
export type { RemovedDomain, RemovedUser } from './user-removal.js';
export type { AdminRecipient, NewUser, PasswordPolicy, Role, User, UserUpdate } from './users.js';
