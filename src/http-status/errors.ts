import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AlertUpdateOutcome } from '../alerts/index.js';
import type { DirectoryFailure, DirectoryFailureCode } from '../directory/index.js';
import type { AccountFailure, AppPasswordFailure, MfaFailure, MfaFailureCode } from '../identity/index.js';
import type { NotifyFailure, NotifyFailureCode } from '../notify/index.js';
import type { OutboundFailure, OutboundFailureCode } from '../outbound/index.js';
import type { RespondFailure } from '../respond/index.js';
import type { OrgSettingsChangeOutcome } from '../settings/index.js';

type OrgSettingsFailure = Exclude<OrgSettingsChangeOutcome, { ok: true }>;

import type { ScoreFailure, ScoreFailureCode } from '../score/index.js';

/**
 * The one outcome→HTTP table. Clients branch on `error.code`; change a row only on purpose. The
 * `satisfies` makes the compiler name any directory outcome that has no status yet.
 */
const directoryFailureStatus = {
  'invalid-address': 422,
  'invalid-domain': 422,
  'weak-password': 422,
  'invalid-name': 422,
  'domain-not-owned': 422,
  'domain-exists': 409,
  'address-taken': 409,
  'token-name-taken': 409,
  'user-not-found': 404,
  'token-not-found': 404,
  'group-exists': 409,
  'group-not-found': 404,
  'invalid-owner': 422,
  'alias-not-found': 404,
  'domain-not-found': 404,
  'domain-in-use': 409,
  'group-in-use': 409,
  'not-a-member': 404,
  'last-admin': 409,
  'cannot-remove-self': 409,
} as const satisfies Record<DirectoryFailureCode, ContentfulStatusCode>;

const outboundFailureStatus = {
  'sender-restricted': 409,
  'rate-limited': 429,
  'too-many-recipients': 422,
  'hourly-limit-reached': 409,
  'daily-limit-reached': 409,
  'invalid-policy': 422,
  'policy-not-found': 404,
  'user-not-found': 404,
  'not-restricted': 409,
  'release-refused': 409,
  'invalid-reason': 422,
  'message-not-found': 404,
  'message-not-held': 409,
  'release-failed': 502,
} as const satisfies Record<OutboundFailureCode, ContentfulStatusCode>;

const alertFailureStatus = {
  'alert-not-found': 404,
  'invalid-status': 422,
} as const satisfies Record<Exclude<AlertUpdateOutcome, { ok: true }>['code'], ContentfulStatusCode>;

const notifyFailureStatus = {
  'invalid-name': 422,
  'invalid-url': 422,
  'internal-url': 422,
  'webhook-name-taken': 409,
  'webhook-not-found': 404,
} as const satisfies Record<NotifyFailureCode, ContentfulStatusCode>;

const scoreFailureStatus = {
  'control-not-found': 404,
  'invalid-status': 422,
  'invalid-reason': 422,
} as const satisfies Record<ScoreFailureCode, ContentfulStatusCode>;
// App passwords and sign-in refusals.
const identityFailureStatus = {
  'invalid-app-password': 422,
  'app-password-name-taken': 409,
  'app-password-not-found': 404,
  'wrong-password': 422,
} as const satisfies Record<
  Exclude<AppPasswordFailure['code'] | AccountFailure['code'], 'user-not-found' | 'weak-password'>,
  ContentfulStatusCode
>;

// Second factors (MFA).
const mfaFailureStatus = {
  'totp-already-enrolled': 409,
  'totp-not-started': 409,
  'totp-not-enrolled': 404,
  'bad-code': 422,
  'no-challenge': 409,
  'passkey-not-verified': 422,
  'passkey-not-found': 404,
  'last-method-required': 409,
} as const satisfies Record<Exclude<MfaFailureCode, 'user-not-found' | 'invalid-name'>, ContentfulStatusCode>;

const respondFailureStatus = {
  'mail-server-not-configured': 409,
  'mail-server-unavailable': 502,
} as const satisfies Record<Exclude<RespondFailure['code'], 'user-not-found'>, ContentfulStatusCode>;

/** An import whose source could not be read (a database down, a wrong preset): the source's fault. */
const importFailureStatus = {
  'source-unreadable': 502,
} as const satisfies Record<string, ContentfulStatusCode>;

/** The adapter's own refusals, before a request reaches a module. */
const settingsFailureStatus = {
  'invalid-setting': 400,
} as const satisfies Record<OrgSettingsFailure['code'], ContentfulStatusCode>;

const requestErrorStatus = {
  'invalid-body': 400,
  'invalid-query': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'internal-error': 500,
  'service-unavailable': 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export const apiErrorStatus = {
  ...directoryFailureStatus,
  ...outboundFailureStatus,
  ...alertFailureStatus,
  ...notifyFailureStatus,
  ...settingsFailureStatus,
  ...scoreFailureStatus,
  ...identityFailureStatus,
  ...mfaFailureStatus,
  ...respondFailureStatus,
  ...importFailureStatus,
  ...requestErrorStatus,
};

export type ApiErrorCode = keyof typeof apiErrorStatus;

export interface ValidationIssue {
  /** Dotted path of the offending field; '' for the body or query as a whole. */
  path: string;
  message: string;
}

export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    issues?: ValidationIssue[];
    /** release-refused: what securing the account still lacks. */
    unmetChecks?: string[];
    requestId?: string;
  };
}

export function errorResponse(
  c: Context,
  code: ApiErrorCode,
  message: string,
  extra: Omit<ApiErrorBody['error'], 'code' | 'message'> = {},
): Response {
  const body: ApiErrorBody = { error: { code, message, ...extra } };
  return c.json(body, apiErrorStatus[code]);
}

export type ModuleFailure = (
  | DirectoryFailure
  | OutboundFailure
  | NotifyFailure
  | OrgSettingsFailure
  | ScoreFailure
  | AppPasswordFailure
  | AccountFailure
  | MfaFailure
  | RespondFailure
  | Exclude<AlertUpdateOutcome, { ok: true }>
) & { unmetChecks?: string[] };

/** A module's refusal as its status from the table, with the module's message as it is. */
export function failureResponse(c: Context, failure: ModuleFailure): Response {
  const { code, message, unmetChecks } = failure;
  return errorResponse(c, code, message, unmetChecks ? { unmetChecks } : {});
}
