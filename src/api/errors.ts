import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DirectoryFailure, DirectoryFailureCode } from '../directory/index.js';

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
} as const satisfies Record<DirectoryFailureCode, ContentfulStatusCode>;

/** The adapter's own refusals, before a request reaches a module. */
const requestErrorStatus = {
  'invalid-body': 400,
  'invalid-query': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'internal-error': 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export const apiErrorStatus = { ...directoryFailureStatus, ...requestErrorStatus };

export type ApiErrorCode = keyof typeof apiErrorStatus;

export interface ValidationIssue {
  /** Dotted path of the offending field; '' for the body or query as a whole. */
  path: string;
  message: string;
}

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; issues?: ValidationIssue[]; requestId?: string };
}

export function errorResponse(
  c: Context,
  code: ApiErrorCode,
  message: string,
  extra: { issues?: ValidationIssue[]; requestId?: string } = {},
): Response {
  const body: ApiErrorBody = { error: { code, message, ...extra } };
  return c.json(body, apiErrorStatus[code]);
}

export function failureResponse(c: Context, failure: DirectoryFailure): Response {
  return errorResponse(c, failure.code, failure.message);
}
