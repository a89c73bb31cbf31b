/** The closed catalogue of refusals of the MFA and web-session functions (adapters map them to replies). */
export type MfaFailureCode =
  | 'user-not-found'
  | 'totp-already-enrolled'
  | 'totp-not-started'
  | 'totp-not-enrolled'
  | 'bad-code'
  | 'no-challenge'
  | 'passkey-not-verified'
  | 'passkey-not-found'
  | 'invalid-name'
  | 'last-method-required';

export interface MfaFailure {
  ok: false;
  code: MfaFailureCode;
  message: string;
}

export function mfaFailure(code: MfaFailureCode, message: string): MfaFailure {
  return { ok: false, code, message };
}
