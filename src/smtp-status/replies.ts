/**
 * Every SMTP reply the gateway gives for an outcome, in one table: code, enhanced status (RFC 3463)
 * and text. Admins grep logs and runbooks for these exact strings; change them only on purpose.
 */
export interface SmtpReply {
  code: number;
  status: string;
  text: string;
}

export const smtpReplies = {
  'tls-required': { code: 530, status: '5.7.0', text: 'Must issue a STARTTLS command first' },
  'bad-credentials': { code: 535, status: '5.7.8', text: 'Authentication credentials invalid' },
  'account-disabled': { code: 535, status: '5.7.8', text: 'Account disabled, contact your administrator' },
  // Sign-in refusals (identity's SignInRefusalCode). RFC 4954 §6: 534 5.7.9 asks for a
  // stronger mechanism; Gmail and Microsoft use it, with this text, for "use an app password".
  'app-password-required': { code: 534, status: '5.7.9', text: 'Application-specific password required' },
  'locked-out': {
    code: 454,
    status: '4.7.0',
    text: 'Too many failed sign-ins from your network, try again later',
  },
  'mail-sign-in-blocked': {
    code: 535,
    status: '5.7.8',
    text: 'Mail client sign-in is turned off by your organization',
  },
  'app-password-scope': { code: 535, status: '5.7.8', text: 'This app password is not allowed for SMTP' },
  'password-change-required': {
    code: 535,
    status: '5.7.8',
    text: 'Password change required: sign in on the web first',
  },
  'high-risk': {
    code: 535,
    status: '5.7.8',
    text: 'Sign-in blocked by security policy, contact your administrator',
  },
  'sign-in-unavailable': {
    code: 454,
    status: '4.7.0',
    text: 'Temporary authentication failure, try again later',
  },
  'sender-not-allowed': {
    code: 550,
    status: '5.7.60',
    text: 'Client does not have permissions to send as this sender',
  },
  'too-many-recipients': { code: 452, status: '4.5.3', text: 'Too many recipients' },
  'sender-restricted': { code: 550, status: '5.1.8', text: 'Access denied, bad outbound sender' },
  'daily-limit-reached': {
    code: 550,
    status: '5.1.90',
    text: "Your message can't be sent because you've reached your daily limit for message recipients",
  },
  'hourly-limit-reached': {
    code: 550,
    status: '5.1.90',
    text: "Your message can't be sent because you've reached your hourly limit for message recipients",
  },
  'spam-rejected': {
    code: 554,
    status: '5.7.1',
    text: 'Message refused: it was classified as spam. Contact your administrator if this is wrong',
  },
  'rate-limited': {
    code: 451,
    status: '4.7.1',
    text: 'Too many messages in the last minute, slow down and try again later',
  },
  'message-too-big': { code: 552, status: '5.3.4', text: 'Message size exceeds fixed maximum message size' },
  'upstream-unavailable': {
    code: 451,
    status: '4.4.1',
    text: 'The next server did not take the message, try again later',
  },
  'upstream-refused': { code: 554, status: '5.0.0', text: 'The next server refused the message' },
  'local-error': { code: 451, status: '4.3.0', text: 'Local error in processing, try again later' },
  'shutting-down': { code: 421, status: '4.3.2', text: 'Service shutting down, try again later' },
} as const satisfies Record<string, SmtpReply>;

export type SmtpReplyName = keyof typeof smtpReplies;

/** An Error that smtp-server turns into the reply (it reads responseCode and message). */
export function replyError(name: SmtpReplyName, detail?: string): Error & { responseCode: number } {
  const reply: SmtpReply = smtpReplies[name];
  return withCode(reply.code, reply.status, detail ? `${reply.text}: ${detail}` : reply.text);
}

/**
 * A permanent upstream refusal keeps the upstream's class: its 5xx code and its enhanced status when
 * it gave one (550 5.1.1 stays 550 5.1.1), so the sender's client reports the kind of problem. The
 * words are Mailwarden's: the upstream's text names the internal MTA, its queue ids and its wording,
 * which are no business of any sender; it stays in the log and the Send record.
 */
export function upstreamRefusalError(
  responseCode: number | null,
  upstreamText: string,
): Error & { responseCode: number } {
  const reply = smtpReplies['upstream-refused'];
  // nodemailer's message is the reply line, code first ("554 5.7.1 …"); some give the status only.
  const status = /^(?:\d{3}[ -])?(5\.\d{1,3}\.\d{1,3})\b/.exec(upstreamText.trim())?.[1];
  const code = responseCode !== null && responseCode >= 500 && responseCode < 600 ? responseCode : reply.code;
  return withCode(code, status ?? reply.status, reply.text);
}

/**
 * The 250 after DATA. The same words for a relayed, spooled or held message, with an id of
 * Mailwarden's own: the upstream's acceptance text (its queue id) is not shown, and an attacker
 * cannot tell a held message from a relayed one.
 */
export function acceptedReply(queuedAs: string): string {
  return `Ok: queued as ${queuedAs}`;
}

function withCode(code: number, status: string, text: string): Error & { responseCode: number } {
  // Control characters could split the reply line; the upstream's text is not ours to trust.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: those characters are what is removed
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 400);
  return Object.assign(new Error(`${status} ${clean}`), { responseCode: code });
}
