export type { ApiDeps } from './api-deps.js';
export type { ApiEnv } from './api-env.js';
export { type ApiRoutesOptions, apiRoutes } from './api-routes.js';
export { createOpenApiDocument } from './openapi.js';
