import { z } from 'zod';
import {
  auditSearchQuery,
  newAliasBody,
  newDomainBody,
  newPasswordBody,
  newUserBody,
  userListQuery,
  userUpdateBody,
} from './request-schemas.js';
import * as responses from './response-schemas.js';

/**
 * The OpenAPI 3.1 description of the HTTP API, kept here so that route files stay pipelines. Request
 * schemas are the ones the routes validate with; a test checks that every route is described.
 */
const schemas = {
  NewDomain: newDomainBody,
  NewUser: newUserBody,
  UserUpdate: userUpdateBody,
  NewPassword: newPasswordBody,
  NewAlias: newAliasBody,
  Domain: responses.domainSchema,
  DomainList: z.object({ domains: z.array(responses.domainSchema) }),
  DomainResponse: z.object({ domain: responses.domainSchema }),
  User: responses.userSchema,
  UserResponse: z.object({ user: responses.userSchema }),
  UserPage: z.object({
    users: z.array(responses.userSchema),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as cursor for the next page; null at the end.' }),
  }),
  AuditRecord: responses.auditRecordSchema,
  AuditPage: responses.auditPageSchema,
  VerifyChainOutcome: responses.verifyChainSchema,
  Health: responses.healthSchema,
  Error: responses.errorSchema,
} satisfies Record<string, z.ZodType>;

type SchemaName = keyof typeof schemas;

const failures = {
  400: ['InvalidRequest', 'The body or the query is malformed; issues name each field.'],
  401: ['Unauthenticated', 'No API token, or an unknown or revoked one.'],
  403: ['Forbidden', 'An auditor token tried to change something.'],
  404: ['NotFound', 'No such user.'],
  409: ['Conflict', 'The name or address is taken.'],
  413: ['PayloadTooLarge', 'The body exceeds the size limit.'],
  415: ['UnsupportedMediaType', 'The body is not application/json.'],
  422: ['Unprocessable', 'The directory refused the value (address, domain, password, name).'],
  500: ['InternalError', 'A bug or an infrastructure failure; the requestId finds it in the log.'],
} as const;

type FailureStatus = keyof typeof failures;

interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch';
  path: string;
  operationId: string;
  summary: string;
  /** read: any token; write: admin tokens; public: no token. */
  access: 'public' | 'read' | 'write';
  query?: z.ZodObject;
  body?: SchemaName;
  /** Without a schema: JSON of any shape. */
  success: { status: 200 | 201; schema?: SchemaName; description: string };
  /** Answers that are not errors of the API table (the health check's 503). */
  otherAnswers?: Record<number, { schema: SchemaName; description: string }>;
  failures?: FailureStatus[];
}

const userPath = '/api/v1/users/{address}';

const routes: RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Whether the database and the mail relay answer (503 with status "down" without the database)',
    access: 'public',
    success: { status: 200, schema: 'Health', description: 'ok, or degraded when mail cannot leave' },
    otherAnswers: { 503: { schema: 'Health', description: 'down: the database is unavailable' } },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This document',
    access: 'public',
    success: { status: 200, description: 'The OpenAPI 3.1 document' },
  },
  {
    method: 'get',
    path: '/api/v1/domains',
    operationId: 'listDomains',
    summary: 'The domains the organization owns',
    access: 'read',
    success: { status: 200, schema: 'DomainList', description: 'Every domain, by name' },
  },
  {
    method: 'post',
    path: '/api/v1/domains',
    operationId: 'addDomain',
    summary: 'Add a domain the organization owns',
    access: 'write',
    body: 'NewDomain',
    success: { status: 201, schema: 'DomainResponse', description: 'The domain was added' },
    failures: [409, 422],
  },
  {
    method: 'get',
    path: '/api/v1/users',
    operationId: 'listUsers',
    summary: 'Users by address, one page at a time',
    access: 'read',
    query: userListQuery,
    success: { status: 200, schema: 'UserPage', description: 'One page of users' },
  },
  {
    method: 'post',
    path: '/api/v1/users',
    operationId: 'createUser',
    summary: 'Create a mailbox user',
    access: 'write',
    body: 'NewUser',
    success: { status: 201, schema: 'UserResponse', description: 'The user was created' },
    failures: [409, 422],
  },
  {
    method: 'get',
    path: userPath,
    operationId: 'getUser',
    summary: 'A user by primary address, alias or id',
    access: 'read',
    success: { status: 200, schema: 'UserResponse', description: 'The user' },
    failures: [404],
  },
  {
    method: 'patch',
    path: userPath,
    operationId: 'updateUser',
    summary: 'Change the display name or role, or disable or enable the user',
    access: 'write',
    body: 'UserUpdate',
    success: { status: 200, schema: 'UserResponse', description: 'The user after the change' },
    failures: [404, 422],
  },
  {
    method: 'put',
    path: `${userPath}/password`,
    operationId: 'setPassword',
    summary: "Set the user's password",
    access: 'write',
    body: 'NewPassword',
    success: { status: 200, schema: 'UserResponse', description: 'The password was set' },
    failures: [404, 422],
  },
  {
    method: 'post',
    path: `${userPath}/aliases`,
    operationId: 'addAlias',
    summary: 'Add an alias address to the user',
    access: 'write',
    body: 'NewAlias',
    success: { status: 201, schema: 'UserResponse', description: 'The user with the new alias' },
    failures: [404, 409, 422],
  },
  {
    method: 'get',
    path: '/api/v1/audit',
    operationId: 'searchAudit',
    summary: 'Search the audit log, newest first',
    access: 'read',
    query: auditSearchQuery,
    success: { status: 200, schema: 'AuditPage', description: 'One page of records' },
  },
  {
    method: 'get',
    path: '/api/v1/audit/verify',
    operationId: 'verifyAudit',
    summary: 'Walk the hash chain of the audit log (ok:false names the first record that does not fit)',
    access: 'read',
    success: { status: 200, schema: 'VerifyChainOutcome', description: 'The outcome of the walk' },
  },
];

export function createOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mailwarden API',
      version: '1',
      description: 'Errors are {error:{code, message}}; the codes are stable, the messages are for people.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (mwt_…).' } },
      schemas: componentSchemas(),
      responses: Object.fromEntries(
        Object.values(failures).map(([name, description]) => [name, jsonContent(description, 'Error')]),
      ),
    },
    paths: paths(),
  };
}

function paths(): Record<string, Record<string, unknown>> {
  const result: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...(route.path.includes('{address}') ? [addressParameter] : []),
      ...(route.query ? queryParameters(route.query) : []),
    ];
    const statuses: FailureStatus[] = [
      ...(route.body || route.query ? [400 as const] : []),
      ...(route.access === 'public' ? [] : [401 as const]),
      ...(route.access === 'write' ? [403 as const] : []),
      ...(route.failures ?? []),
      ...(route.body ? [413 as const, 415 as const] : []),
      500,
    ];
    result[route.path] ??= {};
    result[route.path]![route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      security: route.access === 'public' ? [] : [{ bearer: [] }],
      ...(route.access === 'write' ? { description: 'Needs an admin token.' } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, ...jsonContent('', route.body) } } : {}),
      responses: {
        [route.success.status]: jsonContent(route.success.description, route.success.schema),
        ...Object.fromEntries(
          Object.entries(route.otherAnswers ?? {}).map(([status, { schema, description }]) => [
            status,
            jsonContent(description, schema),
          ]),
        ),
        ...Object.fromEntries(
          [...new Set(statuses)]
            .sort()
            .map((status) => [status, { $ref: `#/components/responses/${failures[status][0]}` }]),
        ),
      },
    };
  }
  return result;
}

const addressParameter = {
  name: 'address',
  in: 'path',
  required: true,
  description: 'Primary address, alias or id of the user',
  schema: { type: 'string' },
};

function queryParameters(query: z.ZodObject): unknown[] {
  return Object.entries(query.shape).map(([name, field]) => {
    const { $schema: _, description, ...schema } = z.toJSONSchema(field as z.ZodType, { io: 'input' });
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema };
  });
}

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(generated.schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
}

function jsonContent(description: string, schema: SchemaName | undefined) {
  const media = schema ? { schema: { $ref: `#/components/schemas/${schema}` } } : {};
  return { description, content: { 'application/json': media } };
}
