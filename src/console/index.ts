export { consoleRoutes } from './console-app.js';
export type { ConsoleDeps, ConsoleServices } from './console-deps.js';
export type { ConsoleEnv } from './console-env.js';
export { notFoundPage } from './refusals.js';
