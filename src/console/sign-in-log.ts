import type { App } from '../app.js';
import type { SignInEntry } from '../identity/index.js';

/** The user's recent sign-ins on every protocol, newest first (the sign-in log, not the audit log). */
export function recentSignIns(app: App, user: { id: string }): Promise<SignInEntry[]> {
  return app.identity.listSignIns({ userId: user.id, limit: 50 });
}
