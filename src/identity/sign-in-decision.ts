import type { MailAccountPasswordPolicy } from '../settings/index.js';
import type { AppPasswordTable, UserTable } from '../store/index.js';
import { riskRank, type SignInRisk } from './risk.js';
import type { SignInLogReason } from './sign-in-reasons.js';

/**
 * The decision of a sign-in, apart from reading and recording: a pure function of what was read.
 * Order matters for what a refusal reveals: a locked-out source learns only that; everything about
 * the account (disabled, MFA, policy, risk) is told only to someone who gave the right secret.
 */
export type SignInProtocol = 'web' | 'smtp' | 'imap' | 'pop3' | 'sieve';
export type MailProtocol = Exclude<SignInProtocol, 'web'>;

export const signInRefusalCodes = [
  'bad-credentials',
  'locked-out',
  'account-disabled',
  'app-password-required',
  'mail-sign-in-blocked',
  'app-password-scope',
  'password-change-required',
  'high-risk',
] as const;
export type SignInRefusalCode = (typeof signInRefusalCodes)[number];

/** How the secret compared with the account's credentials (read before deciding). */
export type CredentialCheck =
  | { ok: true; appPassword: AppPasswordTable | null }
  | { ok: false; reason: SignInLogReason; countFailure: boolean };

/** The account fields the decision reads. */
export type DecisionAccount = Pick<UserTable, 'disabled_at' | 'mfa_state' | 'must_change_password'> & {
  /** users.mail_account_password: 1 lets mail clients keep the account password (imported accounts). */
  mail_account_password?: number;
};

export interface SignInFacts {
  protocol: SignInProtocol;
  nowMs: number;
  /** The account the login names; null for an unknown name. */
  account: DecisionAccount | null;
  /** When the lock of this source ends; null when it is not locked (or lockout is off). */
  lockedUntil: number | null;
  /** null: not checked, because the source is locked out. */
  credential: CredentialCheck | null;
  risk: SignInRisk;
  policy: { mailAccountPassword: MailAccountPasswordPolicy; riskPolicyEnabled: boolean };
}

export type SignInDecision =
  | {
      ok: true;
      reason: SignInLogReason;
      credential: string;
      credentialVerified: true;
      countFailure: false;
      appPassword: AppPasswordTable | null;
      retryAfterSeconds?: undefined;
    }
  | {
      ok: false;
      code: SignInRefusalCode;
      reason: SignInLogReason;
      credential: string | null;
      credentialVerified: boolean;
      countFailure: boolean;
      appPassword?: undefined;
      retryAfterSeconds?: number;
    };

/**
 * Whether this sign-in may go on using the account password on a mail protocol, after the secret
 * proved right: never for a user with a second factor; otherwise when the org allows it, or where
 * the org is app-passwords-only and the account keeps its account password for mail
 * (mail_account_password = 1: an imported account whose clients hold that password until an admin
 * moves it to app passwords).
 */
function accountPasswordOnMail(
  account: DecisionAccount,
  policy: MailAccountPasswordPolicy,
): 'mfa-user-account-password' | 'app-password-required' | null {
  if (account.mfa_state !== 'disabled') return 'mfa-user-account-password';
  if (policy === 'allowed') return null;
  if (policy === 'app-passwords-only' && account.mail_account_password === 1) return null;
  return 'app-password-required';
}

export function decideSignIn(facts: SignInFacts): SignInDecision {
  const { protocol, account, risk, policy } = facts;
  if (facts.lockedUntil !== null)
    return refuse('locked-out', 'locked-out', {
      retryAfterSeconds: Math.ceil((facts.lockedUntil - facts.nowMs) / 1000),
    });
  const verified = facts.credential;
  if (verified === null) return refuse('bad-credentials', 'not-checked', { countFailure: true });
  if (!verified.ok)
    return refuse('bad-credentials', verified.reason, { countFailure: verified.countFailure });
  if (account === null) return refuse('bad-credentials', 'unknown-user', { countFailure: true });
  const credential = verified.appPassword ? `app-password:${verified.appPassword.name}` : 'password';
  const refuseKnown = (code: Exclude<SignInRefusalCode, 'bad-credentials'>, reason: SignInLogReason = code) =>
    refuse(code, reason, { credential, credentialVerified: true });
  if (account.disabled_at !== null) return refuseKnown('account-disabled');
  if (protocol !== 'web' && policy.mailAccountPassword === 'blocked')
    return refuseKnown('mail-sign-in-blocked');
  if (policy.riskPolicyEnabled && risk.level === 'high') return refuseKnown('high-risk');
  if (protocol !== 'web') {
    if (verified.appPassword) {
      const scopes = JSON.parse(verified.appPassword.scopes) as string[];
      if (!scopes.includes(protocol)) return refuseKnown('app-password-scope');
    } else {
      const refusal = accountPasswordOnMail(account, policy.mailAccountPassword);
      if (refusal !== null) return refuseKnown('app-password-required', refusal);
      if (account.must_change_password === 1) return refuseKnown('password-change-required');
      if (policy.riskPolicyEnabled && riskRank[risk.level] >= riskRank.medium)
        return refuseKnown('app-password-required', 'medium-risk-account-password');
    }
  }
  return {
    ok: true,
    reason: 'signed-in',
    credential,
    credentialVerified: true,
    countFailure: false,
    appPassword: verified.appPassword,
  };
}

function refuse(
  code: SignInRefusalCode,
  reason: SignInLogReason,
  options: {
    credential?: string;
    credentialVerified?: boolean;
    countFailure?: boolean;
    retryAfterSeconds?: number;
  } = {},
): SignInDecision {
  return {
    ok: false,
    code,
    reason,
    credential: options.credential ?? null,
    credentialVerified: options.credentialVerified ?? false,
    countFailure: options.countFailure ?? false,
    ...(options.retryAfterSeconds !== undefined ? { retryAfterSeconds: options.retryAfterSeconds } : {}),
  };
}
