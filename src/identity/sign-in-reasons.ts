/**
 * Every reason a sign-in log entry gives (sign_ins.reason): the pipeline's decision, the credential
 * check, the checks before the password (Dovecot's auth policy), and the second steps the console and
 * Dovecot record. A closed list, so that the pages can tell each in the reader's language
 * (`account.signInReason.<reason>`; test/i18n/domain-words.test.ts reads this list). Rows written
 * before a reason was added to the list are shown by their code.
 */
export const signInLogReasons = [
  'signed-in',
  'master-user',
  'locked-out',
  'not-checked',
  'unknown-user',
  'wrong-password',
  'no-password-set',
  'app-password-revoked',
  'app-password-expired',
  'account-disabled',
  'mail-sign-in-blocked',
  'high-risk',
  'app-password-scope',
  'app-password-required',
  'mfa-user-account-password',
  'medium-risk-account-password',
  'password-change-required',
  'wrong-or-used-code',
  'passkey-refused',
  'password-change-code-wrong',
] as const;
export type SignInLogReason = (typeof signInLogReasons)[number];

export function isSignInLogReason(value: string): value is SignInLogReason {
  return (signInLogReasons as readonly string[]).includes(value);
}
