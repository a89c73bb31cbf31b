/**
 * What responding needs from the mail server that holds the mailboxes (Dovecot through its doveadm
 * HTTP API: mailstack/doveadm-client.ts). Expected failures are outcomes; nothing here throws.
 */
export interface MailServer {
  /** The user's Sieve scripts, and which one is active (Pigeonhole runs at most one). */
  listSieveScripts(user: string): Promise<MailServerResult<SieveScriptEntry[]>>;
  readSieveScript(user: string, name: string): Promise<MailServerResult<string>>;
  /** Leaves the user with no active script; the scripts themselves are kept, as evidence. */
  deactivateSieveScript(user: string): Promise<MailServerResult<void>>;
  /**
   * Forgets the user's cached logins, then closes their open mail sessions (IMAP, POP3, ManageSieve)
   * in that order, so that a kicked client that reconnects is asked for its password again.
   */
  endMailSessions(user: string): Promise<MailServerResult<{ sessionsEnded: number }>>;
}

export interface SieveScriptEntry {
  name: string;
  active: boolean;
}

export type MailServerResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: 'mail-server-unavailable' | 'mailbox-unknown-to-mail-server'; message: string };
