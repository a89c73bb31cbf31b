export type { Config } from './config.js';
export { type ConfigKey, configKeys, toEnvironmentName } from './config-keys.js';
export {
  type ConfigSources,
  isLoopbackHost,
  type LoadConfigOutcome,
  loadConfig,
  MAX_WORKERS,
  parseHostPort,
  workerCount,
} from './load-config.js';
export { redactConfig } from './redact-config.js';
