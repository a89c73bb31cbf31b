/** The closed catalogue of score outcomes; api/errors.ts and the CLI map each once. */
export const scoreFailureCodes = {
  'control-not-found': 'No Secure Score control has this id.',
  'invalid-status': 'The status is not one an admin can set.',
  'invalid-reason': 'A status needs a written reason.',
} as const;

export type ScoreFailureCode = keyof typeof scoreFailureCodes;

export type ScoreFailure = { ok: false; code: ScoreFailureCode; message: string };

export function scoreFailure(code: ScoreFailureCode, message?: string): ScoreFailure {
  return { ok: false, code, message: message ?? scoreFailureCodes[code] };
}
