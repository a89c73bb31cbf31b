import type { App } from '../app.js';

export type PasswordStepOutcome =
  | { ok: true; userId: string; address: string; risk: 'none' | 'low' | 'medium' | 'high' }
  | { ok: false; message: string };

/**
 * The web's first factor. One door, so that the sign-in pipeline (lockout, sign-in log, risk) is
 * plugged in here and nowhere else.
 */
export async function passwordStep(
  app: App,
  input: {
    login: string;
    secret: string;
    clientIp: string | null;
    clientInfo: string | null;
    sessionId: string;
  },
): Promise<PasswordStepOutcome> {
  const outcome = await app.identity.verifyWebPasswordInterim(input.login, input.secret, {
    clientIp: input.clientIp,
    clientInfo: input.clientInfo,
    sessionId: input.sessionId,
  });
  if (!outcome.ok)
    return {
      ok: false,
      message: outcome.code === 'account-disabled' ? 'this account is disabled' : 'wrong address or password',
    };
  return { ok: true, userId: outcome.user.id, address: outcome.user.address, risk: 'none' };
}

/** Records the outcome of a second-factor step in the sign-in log (a no-op until the log exists). */
export async function recordSecondFactor(
  _app: App,
  _input: {
    userId: string;
    address: string;
    method: string;
    ok: boolean;
    clientIp: string | null;
    clientInfo: string | null;
  },
): Promise<void> {}
