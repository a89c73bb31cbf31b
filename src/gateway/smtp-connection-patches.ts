import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { smtpReplies } from '../smtp-status/index.js';

/**
 * Five narrow changes to smtp-server 3.x's connection, each switched on only by an option that only
 * Mailwarden's servers set, so any other SMTPServer in the process (tests start one as the upstream)
 * behaves stock:
 * 1. `mailwardenGreetingDelayMs`: smtp-server always waits 100 ms before the greeting (early-talker
 *    check). On an authenticated submission port that caps one-message-per-connection clients at
 *    connections × 10 msgs/s (bench/peers), so the pause is configurable and off by default.
 * 2. `mailwardenRequireTlsForAuth`: AUTH before STARTTLS gets `530 5.7.0 Must issue a STARTTLS command
 *    first` (RFC 3207 §4; smtp-server's own answer is a non-standard 538).
 * 3. Replies whose text already starts with an enhanced status code keep it, instead of getting a
 *    second one from smtp-server's code table: gateway/replies.ts decides them all.
 * 4. `mailwardenOnTransactionEnd(envelope)`: called with the transaction's envelope whenever
 *    smtp-server starts a new one (RSET, EHLO/HELO, STARTTLS, AUTH, after DATA's reply), which it
 *    otherwise does silently: the gateway gives back what an unfinished transaction reserved.
 * 5. `mailwardenOnReply(code)`: called with the code of every reply the connection sends (the
 *    greeting, smtp-server's own answers and the gateway's), and `mailwardenOnSession()` once per
 *    connection, for the metrics. Not smtp-server's onConnect: a callback of ours there would change
 *    when the connection is ready, and with it smtp-server's "You talk too soon" check.
 */
interface PatchableConnection {
  secure: boolean;
  _server: { options: Record<string, unknown>; connections: Set<unknown> };
  _setListeners(callback: () => void): void;
  connectionReady(): void;
  send(code: number, data?: string | string[], context?: string | false): void;
  init(): void;
  handler_AUTH(command: Buffer, callback: () => void): void;
  _resetSession(): void;
  session?: { envelope?: unknown };
  name: string;
}

const ENHANCED_STATUS = /^[245]\.\d{1,3}\.\d{1,3} /;
let applied = false;

export function applySmtpConnectionPatches(): void {
  if (applied) return;
  applied = true;
  const prototype = (SMTPConnection as unknown as { prototype: PatchableConnection }).prototype;

  const originalInit = prototype.init;
  prototype.init = function init(this: PatchableConnection) {
    const onSession = this._server.options['mailwardenOnSession'];
    if (typeof onSession === 'function') (onSession as () => void)();
    const delay = this._server.options['mailwardenGreetingDelayMs'];
    if (typeof delay !== 'number') return originalInit.call(this);
    this._setListeners(() => {
      const options = this._server.options;
      const maxClients = options['maxClients'];
      if (typeof maxClients === 'number' && this._server.connections.size > maxClients) {
        const reply = smtpReplies['shutting-down'];
        return this.send(
          421,
          `${reply.status} ${this.name} Too many connected clients, try again in a moment`,
        );
      }
      if (delay <= 0) return this.connectionReady();
      setTimeout(() => this.connectionReady(), delay).unref();
    });
  };

  const originalAuth = prototype.handler_AUTH;
  prototype.handler_AUTH = function handlerAuth(this: PatchableConnection, command, callback) {
    if (!this.secure && this._server.options['mailwardenRequireTlsForAuth'] === true) {
      const reply = smtpReplies['tls-required'];
      this.send(reply.code, `${reply.status} ${reply.text}`);
      return callback();
    }
    return originalAuth.call(this, command, callback);
  };

  const originalSend = prototype.send;
  prototype.send = function send(this: PatchableConnection, code, data, context) {
    const onReply = this._server.options['mailwardenOnReply'];
    if (typeof onReply === 'function') (onReply as (code: number) => void)(code);
    if (typeof data === 'string' && ENHANCED_STATUS.test(data))
      return originalSend.call(this, code, data, false);
    return originalSend.call(this, code, data, context);
  };

  const originalResetSession = prototype._resetSession;
  prototype._resetSession = function resetSession(this: PatchableConnection) {
    const onEnd = this._server.options['mailwardenOnTransactionEnd'];
    const envelope = this.session?.envelope;
    if (typeof onEnd === 'function' && envelope) (onEnd as (envelope: unknown) => void)(envelope);
    return originalResetSession.call(this);
  };
}
