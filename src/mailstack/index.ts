export { dovecotAuthRoutes, dovecotReplies } from './dovecot-auth.js';
export {
  createPostfixPolicyServer,
  type PolicyServerApp,
  type PostfixPolicyServer,
  type PostfixPolicyServerOptions,
} from './postfix-policy/policy-server.js';
