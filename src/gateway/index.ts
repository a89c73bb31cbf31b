export type { GatewayDeps } from './gateway-deps.js';
export { type MessageSummary, summarizeMessage } from './message-headers.js';
export { type SmtpReply, type SmtpReplyName, smtpReplies } from './replies.js';
export {
  createSmtpGateway,
  type GatewayListener,
  type GatewayOptions,
  type SmtpGateway,
} from './smtp-gateway.js';
export { loadTlsMaterial, type TlsMaterial } from './tls-certificate.js';
