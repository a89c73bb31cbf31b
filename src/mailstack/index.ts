export { dovecotAuthRoutes, dovecotReplies } from './dovecot-auth.js';
export { createDoveadmClient, type DoveadmClient } from './dovecot-events/doveadm-client.js';
export {
  createDovecotEventIngest,
  type DovecotEventIngest,
  type DovecotIngestCounters,
  type IngestOutcome,
} from './dovecot-events/event-ingest.js';
export { dovecotEventRoutes } from './dovecot-events/event-routes.js';
export type { DovecotAuthDeps, PolicyServerDeps } from './mailstack-deps.js';
export { AwaitingContent, type MessageAwaitingContent } from './milter/awaiting-content.js';
export type { MilterDeps } from './milter/milter-deps.js';
export { createMilterServer, type MilterServer, type MilterServerOptions } from './milter/milter-server.js';
export {
  createPostfixPolicyServer,
  type PostfixPolicyServer,
  type PostfixPolicyServerOptions,
} from './postfix-policy/policy-server.js';
export {
  createRspamdClient,
  type RspamdClient,
  type RspamdClientOptions,
  type RspamdCounters,
} from './rspamd/rspamd-client.js';
