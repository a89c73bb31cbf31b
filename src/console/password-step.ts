import type { MessageKey, Translator } from '../i18n/index.js';
import type { SignInLogReason } from '../identity/index.js';
import type { ConsoleDeps } from './console-deps.js';

export type PasswordStepOutcome =
  | { ok: true; userId: string; address: string; risk: 'none' | 'low' | 'medium' | 'high' }
  | { ok: false; message: string };

/** What the sign-in page says for each refusal of the pipeline; the account state only after a right password. */
const refusalText: Record<string, MessageKey> = {
  'bad-credentials': 'account.signIn.badCredentials',
  'locked-out': 'account.signIn.lockedOut',
  'account-disabled': 'account.signIn.accountDisabled',
  'high-risk': 'account.signIn.highRisk',
};

/**
 * The web's first factor: the one sign-in pipeline (identity.signIn: lockout, sign-in log, risk,
 * MailboxLogin audit). Medium risk then makes the second factor mandatory (mfa-policy.ts).
 */
export async function passwordStep(
  deps: Pick<ConsoleDeps, 'identity'>,
  input: {
    /** The reader's language: the refusal is told in it, by the pipeline's code. */
    t: Translator;
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
    const { t } = input;
    const message = t(refusalText[outcome.code] ?? 'account.signIn.refused');
    return {
      ok: false,
      message: outcome.retryAfterSeconds
        ? t('account.signIn.retryAfter', { message, seconds: outcome.retryAfterSeconds })
        : message,
    };
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
    reason: SignInLogReason;
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
