import { z } from 'zod';

/**
 * What Dovecot sends the two authorization endpoints, checked before anything is decided. A value
 * of the wrong type, a field given twice or one longer than any real value is refused, never
 * read as absent or cut short: a login cut to length could name a different account, and a
 * request the checks cannot read must not pass them.
 */
const MAX_FIELD = 1024;

const field = z.string().max(MAX_FIELD);

/** The Lua passdb's form (deploy/dovecot/mailwarden-passdb.lua): every field at most once. */
export const passdbRequestSchema = z.looseObject({
  user: field.min(1),
  mode: z.enum(['verify', 'exists']).default('verify'),
  password: z
    .string()
    .max(4 * MAX_FIELD)
    .optional(),
  service: field.optional(),
  rip: field.optional(),
  session: field.optional(),
  master_user: field.optional(),
});

export type PassdbRequest = z.output<typeof passdbRequestSchema>;

/**
 * The auth policy request (Dovecot 2.3 auth-policy.c): the attributes of
 * auth_policy_request_attributes as strings, and the booleans Dovecot adds itself. Attributes an
 * operator adds beyond these are let through whatever their shape (`a/b=%{x}` makes objects).
 */
export const policyRequestSchema = z.looseObject({
  login: field.optional(),
  remote: field.optional(),
  protocol: field.optional(),
  session_id: field.optional(),
  pwhash: field.optional(),
  device_id: field.optional(),
  tls: z.boolean().optional(),
  success: z.boolean().optional(),
  policy_reject: z.boolean().optional(),
});

export type PolicyRequest = z.output<typeof policyRequestSchema>;

export type ParsedRequest<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Form fields to an object; a name given twice is a problem (which of the two would count?). */
export function parsePassdbForm(body: string): ParsedRequest<PassdbRequest> {
  const form = new URLSearchParams(body);
  const fields: Record<string, string> = {};
  for (const [name, value] of form) {
    if (Object.hasOwn(fields, name)) return { ok: false, problem: `${name} is given twice` };
    // Empty means "not given": the Lua script sends every field, empty when Dovecot has no value.
    if (value !== '') fields[name] = value;
  }
  return fromZod(passdbRequestSchema.safeParse(fields));
}

export function parsePolicyBody(body: string): ParsedRequest<PolicyRequest> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'the body is not JSON' };
  }
  return fromZod(policyRequestSchema.safeParse(value));
}

function fromZod<T>(result: z.ZodSafeParseResult<T>): ParsedRequest<T> {
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  return { ok: false, problem: path ? `${path}: ${issue?.message}` : (issue?.message ?? 'invalid') };
}
