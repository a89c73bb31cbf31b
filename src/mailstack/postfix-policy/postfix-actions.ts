/**
 * Every answer Mailwarden gives Postfix, in one table: the access(5) action after `action=`.
 * The refusal texts are the gateway's (gateway/replies.ts), so a user sees the same words whichever
 * way they submit; admins grep logs and runbooks for them, so change them only on purpose.
 *
 * Postfix rewrites address-class enhanced status codes (RFC 3463 X.1.Y) in its reply to the client
 * (smtpd_dsn_fix.c): at RCPT 5.1.8 becomes 5.1.2 and 5.1.90 becomes 5.1.0, after DATA both become 5.0.0.
 * The code and text here still reach Postfix's log ("mapping DSN status 5.1.90 into ...").
 */
export const postfixActions = {
  /** No opinion: Postfix goes on with the next restriction (permit_sasl_authenticated). */
  allowed: 'DUNNO',
  'sender-restricted': '550 5.1.8 Access denied, bad outbound sender',
  'sender-not-allowed': '550 5.7.60 Client does not have permissions to send as this sender',
  'hourly-limit-reached':
    "550 5.1.90 Your message can't be sent because you've reached your hourly limit for message recipients",
  'daily-limit-reached':
    "550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients",
  'too-many-recipients': '452 4.5.3 Too many recipients',
  'rate-limited': '451 4.7.1 Too many messages in the last minute, slow down and try again later',
  'message-too-big': '552 5.3.4 Message size exceeds fixed maximum message size',
  /** policy.unknownSender = refuse: Postfix authenticated a login that is no Mailwarden user. */
  'unknown-sender': '550 5.7.1 Sending account not known to the sending policy, contact your administrator',
  /** A disabled user may neither sign in nor send (audit/events.ts, DisableUser). */
  'account-disabled': '550 5.7.1 Account disabled, contact your administrator',
  /** policy.onError = defer: 450 4.7.1, unless a later restriction rejects anyway. */
  'undecided-defer': 'DEFER_IF_PERMIT Service temporarily unavailable',
  /** policy.onError = dunno: the message passes, uncounted. */
  'undecided-dunno': 'DUNNO',
} as const satisfies Record<string, string>;

export type PostfixActionName = keyof typeof postfixActions;

export type PolicyOnError = 'defer' | 'dunno';

export function undecidedAction(onError: PolicyOnError): PostfixActionName {
  return onError === 'defer' ? 'undecided-defer' : 'undecided-dunno';
}

/** The whole reply: one attribute, then the empty line that ends it. */
export function toPolicyReply(name: PostfixActionName): string {
  return `action=${postfixActions[name]}\n\n`;
}
