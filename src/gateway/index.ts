export type { GatewayDeps } from './gateway-deps.js';
export {
  createSmtpGateway,
  type GatewayListener,
  type GatewayOptions,
  type SmtpGateway,
} from './smtp-gateway.js';
export { loadTlsMaterial, type TlsMaterial } from './tls-certificate.js';
