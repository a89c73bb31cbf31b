import type { Config } from '../config/index.js';
import type { Directory } from '../directory/index.js';
import type { Identity } from '../identity/index.js';
import type { PolicyRecorder } from '../metrics/index.js';
import type { Logger } from '../runtime/logger.js';
import type { PolicyDeciderDeps } from './postfix-policy/policy-decider.js';

/** What Dovecot's passdb and auth policy endpoints use (dovecot-auth.ts); http.ts passes these alone. */
export interface DovecotAuthDeps {
  config: { dovecot: Pick<Config['dovecot'], 'authSecret'> };
  directory: Pick<Directory, 'findLoginRow'>;
  identity: Pick<Identity, 'signIn' | 'screenSignIn' | 'recordSignInStep'>;
  logger: Logger;
}

/** What the Postfix policy listener uses (policy-server.ts): the decider's deps and its settings. */
export interface PolicyServerDeps extends PolicyDeciderDeps {
  config: {
    policy: Pick<Config['policy'], 'onError'>;
    smtp: Pick<Config['smtp'], 'maxMessageBytes'>;
    shutdown: Pick<Config['shutdown'], 'graceMs'>;
  };
  /** Each answer by decision, and how long deciding took (GET /metrics). */
  metrics?: PolicyRecorder;
}
