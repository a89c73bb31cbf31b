import type { ConsoleDeps } from './console-deps.js';

export type PasswordStepOutcome =
  | { ok: true; userId: string; address: string; risk: 'none' | 'low' | 'medium' | 'high' }
  | { ok: false; message: string };

/** What the sign-in page says for each refusal of the pipeline; the account state only after a right password. */
const refusalText: Record<string, string> = {
  'bad-credentials': 'wrong address or password',
  'locked-out': 'too many failed sign-ins from your network; wait a little and try again',
  'account-disabled': 'this account is disabled',
  'high-risk': 'this sign-in was blocked because it looks risky; ask an administrator',
};

/**
 * The web's first factor: the one sign-in pipeline (identity.signIn: lockout, sign-in log, risk,
 * MailboxLogin audit). Medium risk then makes the second factor mandatory (mfa-policy.ts).
 */
export async function passwordStep(
  deps: Pick<ConsoleDeps, 'identity'>,
  input: {
    login: string;
    secret: string;
    clientIp: string | null;
    clientInfo: string | null;
    sessionId: string;
  },
): Promise<PasswordStepOutcome> {
  const outcome = await deps.identity.signIn({
    login: input.login,
    secret: input.secret,
    protocol: 'web',
    clientIp: input.clientIp,
    clientInfo: input.clientInfo,
    sessionId: input.sessionId,
  });
  if (!outcome.ok) {
    const retry = outcome.retryAfterSeconds ? ` (about ${outcome.retryAfterSeconds} s)` : '';
    return { ok: false, message: (refusalText[outcome.code] ?? 'sign-in refused') + retry };
  }
  return { ok: true, userId: outcome.user.id, address: outcome.user.address, risk: outcome.risk.level };
}

/** Records a second-factor step (success or failure) in the sign-in log, through the pipeline's door. */
export async function recordSecondFactor(
  deps: Pick<ConsoleDeps, 'identity'>,
  input: {
    userId: string;
    method: string;
    ok: boolean;
    reason: string;
    clientIp: string | null;
    clientInfo: string | null;
    sessionId: string | null;
  },
): Promise<void> {
  await deps.identity.recordSignInStep({
    userId: input.userId,
    protocol: 'web',
    clientIp: input.clientIp,
    clientInfo: input.clientInfo,
    sessionId: input.sessionId,
    result: input.ok ? 'success' : 'failure',
    reason: input.reason,
    credential: input.method,
  });
}
