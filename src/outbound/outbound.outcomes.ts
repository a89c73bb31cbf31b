import { inEnglish, type Message } from '../i18n/index.js';

/** The closed catalogue of outbound outcomes; gateway/replies.ts and http-status/errors.ts map each once. */
export const outboundFailureCodes = {
  'sender-restricted': 'The account is restricted from sending until an administrator releases it.',
  'rate-limited': 'Too many messages per minute.',
  'too-many-recipients': 'More recipients than the policy allows for one message.',
  'hourly-limit-reached': 'The hourly recipient limit is reached.',
  'daily-limit-reached': 'The daily recipient limit is reached.',
  'invalid-policy': 'The sending policy is not valid.',
  'policy-not-found': 'No sending policy has this name.',
  'user-not-found': 'No user has this address.',
  'not-restricted': 'The user is not restricted.',
  'release-refused': 'The account is not secured yet.',
  'invalid-reason': 'A reason is required.',
  'message-not-found': 'No quarantined message has this id.',
  'message-not-held': 'The message was already released or deleted.',
  'release-failed': 'The held message could not be delivered.',
} as const;

export type OutboundFailureCode = keyof typeof outboundFailureCodes;

export type OutboundFailure = {
  ok: false;
  code: OutboundFailureCode;
  message: string;
  /** Why a policy change was refused, field by field, for a reader of any language (the console). */
  problemMessages?: Message[];
};

export function outboundFailure(code: OutboundFailureCode, message?: string): OutboundFailure {
  return { ok: false, code, message: message ?? outboundFailureCodes[code] };
}

/** A refused policy change: its problems as messages, and in English joined by "; " as its message. */
export function invalidPolicy(problemMessages: Message[]): OutboundFailure {
  return {
    ok: false,
    code: 'invalid-policy',
    message: problemMessages.map(inEnglish).join('; '),
    problemMessages,
  };
}
