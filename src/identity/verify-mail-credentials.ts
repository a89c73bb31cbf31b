import type { AuditLog } from '../audit/index.js';
import type { Directory } from '../directory/index.js';
import type { PasswordHasher } from './passwords.js';
import type { VerifiedCredentialCache } from './verified-credential-cache.js';

export interface MailSignInContext {
  protocol: 'smtp' | 'imap' | 'pop3' | 'sieve';
  clientIp: string | null;
  sessionId?: string | null;
  clientInfo?: string | null;
}

export interface SignedInUser {
  id: string;
  address: string;
}

export type MailSignInOutcome =
  | { ok: true; user: SignedInUser }
  | { ok: false; code: 'bad-credentials' | 'account-disabled' };

interface Deps {
  directory: Directory;
  audit: AuditLog;
  passwords: PasswordHasher;
  cache: VerifiedCredentialCache;
  /** A real argon2id hash of a random secret, verified for unknown users so timing does not tell. */
  decoyHash: () => Promise<string>;
}

/**
 * Decides a mail-protocol sign-in and records it as a MailboxLogin audit record either way.
 * The account state is revealed only to someone who presented the right password.
 */
export async function verifyMailCredentials(
  deps: Deps,
  login: string,
  secret: string,
  context: MailSignInContext,
): Promise<MailSignInOutcome> {
  const row = await deps.directory.findLoginRow(login);
  let outcome: MailSignInOutcome;
  let reason: string;
  if (!row || row.password_hash === null) {
    await deps.passwords.verify(await deps.decoyHash(), secret);
    outcome = { ok: false, code: 'bad-credentials' };
    reason = row ? 'no-password-set' : 'unknown-user';
  } else {
    const cached = deps.cache.has(row.id, row.password_hash, secret);
    const matches = cached || (await deps.passwords.verify(row.password_hash, secret));
    if (!matches) {
      outcome = { ok: false, code: 'bad-credentials' };
      reason = 'wrong-password';
    } else {
      if (!cached) deps.cache.remember(row.id, row.password_hash, secret);
      if (row.disabled_at !== null) {
        outcome = { ok: false, code: 'account-disabled' };
        reason = 'account-disabled';
      } else {
        outcome = { ok: true, user: { id: row.id, address: row.address } };
        reason = 'password';
      }
    }
  }
  await deps.audit.append({
    operation: 'MailboxLogin',
    result: outcome.ok ? 'success' : 'failure',
    // Failed sign-ins to unknown names are still recorded, under the name that was tried.
    mailbox: row?.address ?? truncate(login.trim().toLowerCase(), 254),
    actor: row?.address ?? truncate(login, 254),
    logonType: 'owner',
    clientIp: context.clientIp,
    protocol: context.protocol,
    clientInfo: context.clientInfo ?? null,
    sessionId: context.sessionId ?? null,
    details: { reason },
  });
  return outcome;
}

function truncate(text: string, length: number): string {
  return text.length > length ? text.slice(0, length) : text;
}
