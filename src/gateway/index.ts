export type { GatewayDeps } from './gateway-deps.js';
export {
  createSmtpGateway,
  type GatewayListener,
  type GatewayOptions,
  type SmtpGateway,
} from './smtp-gateway.js';
export {
  checkTlsMaterial,
  loadTlsMaterial,
  type TlsMaterial,
  type TlsMaterialCheck,
} from './tls-certificate.js';
