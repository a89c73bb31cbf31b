/** The closed catalogue of expected notify outcomes; adapters map each code to their protocol once. */
export const notifyFailureCodes = {
  'invalid-name': 'A webhook name is 1–64 letters, digits, dots, dashes or underscores.',
  'invalid-url': 'A webhook URL is an absolute http:// or https:// URL.',
  'internal-url':
    'A webhook may not reach an internal address (loopback, private, link-local, unique-local, multicast, unspecified) unless notify.webhooks.allowInternalHosts lists it.',
  'webhook-name-taken': 'A webhook with this name exists.',
  'webhook-not-found': 'No webhook has this name.',
} as const;

export type NotifyFailureCode = keyof typeof notifyFailureCodes;

export type NotifyFailure = { ok: false; code: NotifyFailureCode; message: string };

export function notifyFailure(code: NotifyFailureCode, message?: string): NotifyFailure {
  return { ok: false, code, message: message ?? notifyFailureCodes[code] };
}
