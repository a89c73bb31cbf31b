import type { Context } from 'hono';
import type { WebSession } from '../identity/index.js';
import type { ConsoleEnv } from './console-env.js';
import { jsonRefusal } from './refusals.js';
import { homeOf } from './sign-in-routes.js';

/**
 * Who may see a page: a complete session; `enrol` also admits a session that must register a second
 * factor before anything else. A user who must change their password sees only the password page.
 * Returns the session, or the redirect (or JSON refusal) to answer instead.
 */
export function gate(
  c: Context<ConsoleEnv>,
  options: { enrol?: boolean; passwordChange?: boolean; json?: boolean } = {},
): WebSession | Response {
  const session = c.var.session;
  const refuse = (to: string) =>
    options.json ? jsonRefusal(c, 401, c.var.t('account.signIn.first')) : c.redirect(to, 303);
  if (!session) return refuse('/account/sign-in');
  if (session.stage === 'enrol' && options.enrol) return session;
  if (session.stage !== 'complete') return refuse(homeOf(session.stage, false));
  if (session.user.must_change_password === 1 && !options.passwordChange) return refuse('/account/password');
  return session;
}
