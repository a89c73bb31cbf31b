import type { IncomingMessage } from 'node:http';
import type { Actor } from '../audit/index.js';
import type { ApiToken } from '../directory/index.js';

/**
 * What every handler may read from the context. `incoming` is there when the app runs behind
 * @hono/node-server and absent under `honoApp.request()` in tests.
 */
export interface ApiEnv {
  Bindings: { incoming?: IncomingMessage };
  Variables: {
    requestId: string;
    /** Set by `authenticate` on every /api/v1 route. */
    token: ApiToken;
    /** Who the audit records name for this request: `token:<name>`, from the caller's address. */
    actor: Actor;
  };
}
