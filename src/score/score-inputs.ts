import type { Message } from '../i18n/index.js';

/**
 * What Secure Score reads, as one explicit interface built in src/composition/score-readings.ts from the other
 * modules. Every source answers a Reading: a value, or "not available" with the reason, which a
 * control shows as "could not check" with 0 points — never as a pass.
 */
export type Reading<T> = { available: true; value: T } | { available: false; reason: Message };

export function reading<T>(value: T): Reading<T> {
  return { available: true, value };
}

export function notAvailable<T = never>(reason: Message): Reading<T> {
  return { available: false, reason };
}

export type MailSignInMode = 'allowed' | 'app-passwords-only' | 'blocked';

/** Accounts that are not disabled; admins are users with the admin role. */
export interface AccountCounts {
  enabledUsers: number;
  disabledUsers: number;
  enabledAdmins: number;
}

export interface MfaCoverage {
  /** Enabled users, and those with a second factor registered (a confirmed TOTP or a passkey). */
  users: number;
  usersWithMfa: number;
  /** Users an admin enforced MFA on who have not registered a factor yet (not in usersWithMfa). */
  usersEnforcedUnregistered: number;
  admins: number;
  adminsWithMfa: number;
  adminsEnforcedUnregistered: number;
}

export interface MfaSettings {
  requireForAdmins: boolean;
  requireForAll: boolean;
}

/** One sending policy's settings, as far as the score reads them. */
export interface PolicyFacts {
  name: string;
  externalPerHour: number;
  internalPerHour: number;
  perDay: number;
  action: 'restrict' | 'restrict-today' | 'alert';
  externalForwarding: 'off' | 'on' | 'automatic';
  spamAction: 'hold' | 'reject';
  spamScore: number;
}

export interface SubmissionFacts {
  /** The STARTTLS listener runs. */
  starttlsListener: boolean;
  /** AUTH is refused before STARTTLS on that listener. */
  requireTls: boolean;
  implicitTlsListener: boolean;
}

export interface NotificationChannels {
  /** Enabled admins: each gets the email of medium and high alerts. */
  adminEmails: number;
  activeWebhooks: number;
}

export interface DeliveryCounts {
  delivered: number;
  failed: number;
  pending: number;
}

export interface ChainStatus {
  ok: boolean;
  recordsChecked: number;
  detail: string | null;
  /** The newest record the walk reached (null: the log was empty). */
  throughId: number | null;
  /** When the walk ran (the score reuses a walk for up to a day; see score/chain-status.ts). */
  verifiedAt?: string;
  /** Records appended after the walk, which it therefore did not check. */
  newerRecords?: number;
}

export type DomainCheckName = 'spf' | 'dkim' | 'dmarc' | 'mta-sts' | 'tls-rpt' | 'mx';
export const domainCheckNames: readonly DomainCheckName[] = [
  'spf',
  'dkim',
  'dmarc',
  'mta-sts',
  'tls-rpt',
  'mx',
];

/** One domain's answer to one check: unknown = the DNS did not answer (timeout, SERVFAIL). */
export interface DomainCheckResult {
  domain: string;
  outcome: 'pass' | 'fail' | 'unknown';
  /**
   * What was found, for people (src/i18n/messages/dnscheck.ts): the record, the mode, the key size,
   * or why it could not be checked; the record's own text stays a value inside the sentence.
   */
  detail: Message;
}

/** How enabled accounts' passwords are stored, and which keep the account password on mail protocols. */
export interface PasswordStorage {
  enabledAccounts: number;
  /** Enabled accounts with a password set. */
  withPassword: number;
  /** Of them, still on a hash imported from another mail server, by scheme. */
  legacy: Partial<Record<string, number>>;
  legacyTotal: number;
  /** Of the legacy ones, on a weak scheme ({PLAIN}, {MD5-CRYPT}, {SSHA}). */
  weak: number;
  /** Enabled accounts whose mail clients may keep the account password (users.mail_account_password). */
  mailAccountPassword: number;
  mailAccountPasswordSample: string[];
}

export interface ScoreInputs {
  directory: {
    accounts(): Promise<Reading<AccountCounts>>;
    domains(): Promise<Reading<string[]>>;
    /** Active (not revoked) API tokens, and those not used (or created) since `sinceMs`. */
    apiTokens(sinceMs: number): Promise<Reading<{ active: number; unused: number }>>;
  };
  identity: {
    mfaCoverage(): Promise<Reading<MfaCoverage>>;
    mfaSettings(): Promise<Reading<MfaSettings>>;
    /** Org setting mailSignIn.accountPassword. */
    mailSignIn(): Promise<Reading<MailSignInMode>>;
    /** Days after which passwords expire; null: they never expire. */
    passwordExpiryDays(): Promise<Reading<number | null>>;
    bannedPasswordList(): Promise<Reading<boolean>>;
    smartLockout(): Promise<Reading<boolean>>;
    riskPolicy(): Promise<Reading<boolean>>;
    /** App passwords neither revoked nor expired, and those of them not used since `sinceMs`. */
    appPasswords(sinceMs: number): Promise<Reading<{ active: number; unused: number }>>;
    /** Legacy password hashes left, and accounts keeping the account password on mail. */
    passwordStorage(): Promise<Reading<PasswordStorage>>;
    /** Enabled users older than `sinceMs`, and those of them without a successful sign-in since. */
    inactiveAccounts(sinceMs: number): Promise<Reading<{ eligible: number; inactive: number }>>;
  };
  outbound: {
    policies(): Promise<Reading<PolicyFacts[]>>;
    /** Restrictions in force, and those of them older than `olderThanMs`. */
    restrictions(olderThanMs: number): Promise<Reading<{ active: number; stale: number }>>;
    /** Held messages, and those held since before `olderThanMs`. */
    heldMessages(olderThanMs: number): Promise<Reading<{ held: number; stale: number }>>;
  };
  config: {
    submission(): Promise<Reading<SubmissionFacts>>;
  };
  notify: {
    channels(): Promise<Reading<NotificationChannels>>;
    deliveries(sinceMs: number): Promise<Reading<DeliveryCounts>>;
  };
  alerts: {
    /** High-severity alerts still `new`, and those of them raised before `olderThanMs`. */
    untriagedHigh(olderThanMs: number): Promise<Reading<{ open: number; stale: number }>>;
  };
  audit: {
    mailboxAuditCoverage(): Promise<Reading<{ total: number; audited: number }>>;
    retentionDays(): Promise<Reading<number | null>>;
    /** Walks the whole chain: O(records), so the score keeps the result for a day (chain-status.ts). */
    verifyChain(): Promise<Reading<ChainStatus>>;
  };
  dns: {
    /** Runs one check for every domain (concurrently, with a bound); one result per domain. */
    check(name: DomainCheckName, domains: readonly string[]): Promise<DomainCheckResult[]>;
  };
}
