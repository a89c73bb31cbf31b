import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { errorResponse, type ValidationIssue } from '../http-status/index.js';
import type { ApiEnv } from './api-env.js';

/** application/json and the structured-syntax +json types (RFC 6839 §3.1). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

type Validated<Target extends 'json' | 'query', S extends z.ZodType> = {
  in: { [K in Target]: z.input<S> };
  out: { [K in Target]: z.output<S> };
};

/**
 * Parses the body as JSON and checks it against `schema`; the handler reads it with
 * `c.req.valid('json')`. A missing Content-Type is read as JSON; any other type is refused, so a
 * form post never reaches a handler.
 */
export function jsonBody<S extends z.ZodType>(
  schema: S,
): MiddlewareHandler<ApiEnv, string, Validated<'json', S>> {
  return async (c, next) => {
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (mediaType && !JSON_MEDIA_TYPE.test(mediaType))
      return errorResponse(
        c,
        'unsupported-media-type',
        `the body must be application/json, not ${mediaType}`,
      );
    const text = await c.req.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const message =
        text.trim() === ''
          ? 'the request body is empty: expected a JSON object'
          : `the request body is not valid JSON: ${(error as Error).message}`;
      return errorResponse(c, 'invalid-body', message, { issues: [{ path: '', message }] });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) return refuse(c, 'invalid-body', 'request body', parsed.error.issues);
    c.req.addValidatedData('json', parsed.data as object);
    await next();
  };
}

/**
 * Checks the query string against `schema`; the handler reads it with `c.req.valid('query')`.
 * A parameter given once is a string, one given several times an array of strings.
 */
export function queryParams<S extends z.ZodType>(
  schema: S,
): MiddlewareHandler<ApiEnv, string, Validated<'query', S>> {
  return async (c, next) => {
    const raw = Object.fromEntries(
      Object.entries(c.req.queries()).map(([name, values]) => [
        name,
        values.length === 1 ? values[0] : values,
      ]),
    );
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return refuse(c, 'invalid-query', 'query', parsed.error.issues);
    c.req.addValidatedData('query', parsed.data as object);
    await next();
  };
}

/** One message naming every offending field, so a client developer fixes them all in one go. */
function refuse(
  c: Context,
  code: 'invalid-body' | 'invalid-query',
  what: string,
  zodIssues: readonly z.core.$ZodIssue[],
): Response {
  const issues: ValidationIssue[] = zodIssues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ');
  return errorResponse(c, code, `invalid ${what}: ${summary}`, { issues });
}
