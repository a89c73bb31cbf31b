export type { ApiEnv } from './api-env.js';
export { type ApiErrorBody, type ApiErrorCode, apiErrorStatus } from './errors.js';
export { createHttpApp, type HttpAppOptions } from './http-app.js';
export { createHttpServer, type HttpServer } from './http-server.js';
export { createOpenApiDocument } from './openapi.js';
