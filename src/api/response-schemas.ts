import { z } from 'zod';
import type { AuditRecord, AuditSearchPage, VerifyChainOutcome } from '../audit/index.js';
import type { Domain, User } from '../directory/index.js';
import { type ApiErrorBody, type ApiErrorCode, apiErrorStatus } from './errors.js';
import type { Health } from './routes/health.js';

/**
 * What the API answers, for the OpenAPI document only: handlers return the modules' own types. The
 * `satisfies` clauses make the compiler refuse a schema that has fallen behind its type.
 */
const isoTime = z.string().meta({ format: 'date-time' });

export const domainSchema = z.object({ name: z.string(), createdAt: isoTime }) satisfies z.ZodType<Domain>;

export const userSchema = z.object({
  id: z.string(),
  address: z.string(),
  displayName: z.string().nullable(),
  role: z.enum(['user', 'admin']),
  aliases: z.array(z.string()),
  disabled: z.boolean(),
  passwordChangedAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
}) satisfies z.ZodType<User>;

export const auditRecordSchema = z.object({
  id: z.number().int(),
  time: isoTime,
  operation: z.string(),
  result: z.enum(['success', 'failure']),
  mailbox: z.string().nullable(),
  actor: z.string(),
  logonType: z.string(),
  clientIp: z.string().nullable(),
  protocol: z.string().nullable(),
  clientInfo: z.string().nullable(),
  sessionId: z.string().nullable(),
  folder: z.string().nullable(),
  destinationFolder: z.string().nullable(),
  itemIds: z.array(z.string()).nullable(),
  messageId: z.string().nullable(),
  subject: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  hash: z.string().meta({ description: 'SHA-256 chaining this record to the one before it.' }),
}) satisfies z.ZodType<AuditRecord>;

export const auditPageSchema = z.object({
  records: z.array(auditRecordSchema),
  nextCursor: z.number().int().nullable(),
}) satisfies z.ZodType<AuditSearchPage>;

export const verifyChainSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    recordsChecked: z.number().int(),
    headId: z.number().int().nullable(),
    headHash: z.string(),
  }),
  z.object({
    ok: z.literal(false),
    recordsChecked: z.number().int(),
    brokenAtId: z.number().int(),
    problem: z.enum(['altered', 'missing', 'relinked', 'unexpected-start']),
    detail: z.string(),
  }),
]) satisfies z.ZodType<VerifyChainOutcome>;

const check = z.object({ ok: z.boolean(), message: z.string().optional() });

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  database: check,
  delivery: check.extend({ target: z.string().meta({ description: 'smtp://host:port or spool:/path' }) }),
}) satisfies z.ZodType<Health>;

export const errorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(apiErrorStatus) as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  }),
}) satisfies z.ZodType<ApiErrorBody>;
