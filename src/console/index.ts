export { consoleRoutes } from './console-app.js';
export type { ConsoleEnv } from './console-env.js';
export { notFoundPage } from './refusals.js';
