/** The closed catalogue of expected directory outcomes; adapters map each code to their protocol once. */
export const directoryFailureCodes = {
  'invalid-address': 'The address is not a valid email address.',
  'invalid-domain': 'The domain name is not valid.',
  'domain-exists': 'The organization already owns this domain.',
  'domain-not-owned': 'The address belongs to a domain the organization does not own.',
  'address-taken': 'Another user already has this address.',
  'user-not-found': 'No user has this address.',
  'weak-password': 'The password does not meet the password policy.',
  'invalid-name': 'The name is not valid.',
  'token-name-taken': 'An API token with this name exists.',
  'token-not-found': 'No API token has this name.',
  'group-exists': 'A group with this name exists.',
  'group-not-found': 'No group has this name.',
  'invalid-owner': 'An API token can be owned only by an admin.',
  'alias-not-found': 'The user has no such alias.',
  'domain-not-found': 'The organization has no such domain.',
  'domain-in-use': 'Users or aliases still have addresses in the domain.',
  'group-in-use': 'A sending policy is scoped to the group.',
  'not-a-member': 'The user is not a member of the group.',
  'last-admin': 'The last administrator cannot be deleted.',
  'cannot-remove-self': 'An administrator cannot delete their own account.',
} as const;

export type DirectoryFailureCode = keyof typeof directoryFailureCodes;

export type DirectoryFailure = { ok: false; code: DirectoryFailureCode; message: string };

export function directoryFailure(code: DirectoryFailureCode, message?: string): DirectoryFailure {
  return { ok: false, code, message: message ?? directoryFailureCodes[code] };
}
