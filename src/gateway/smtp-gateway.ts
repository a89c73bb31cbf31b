import { SMTPServer, type SMTPServerEnvelope, type SMTPServerOptions } from 'smtp-server';
import type { GatewayDeps, TransactionState } from './gateway-deps.js';
import { acceptProxyHeaders } from './proxy-protocol.js';
import { replyError } from './replies.js';
import { applySmtpConnectionPatches } from './smtp-connection-patches.js';
import { authenticate } from './stages/auth.js';
import { receiveMessage } from './stages/data.js';
import { checkSender } from './stages/mail-from.js';
import { checkRecipient } from './stages/rcpt-to.js';
import type { TlsMaterial } from './tls-certificate.js';

export interface GatewayListener {
  /** 'starttls' for submission (RFC 6409), 'implicit-tls' for submissions (RFC 8314). */
  mode: 'starttls' | 'implicit-tls';
  host: string;
  port: number;
}

export interface GatewayOptions {
  hostname: string;
  listeners: readonly GatewayListener[];
  tls: TlsMaterial;
  requireTls: boolean;
  maxClients: number;
  socketTimeoutMs: number;
  greetingDelayMs: number;
  /** Peers whose connections start with a PROXY header (proxy-protocol.ts); none by default. */
  proxyTrustedAddresses?: readonly string[];
  closeTimeoutMs: number;
}

export interface SmtpGateway {
  start(): Promise<void>;
  /** Ports actually bound (port 0 in config means "any", for tests). */
  addresses(): Array<{ mode: GatewayListener['mode']; port: number }>;
  /** Stops accepting, lets transactions in flight finish for up to closeTimeoutMs, then closes. */
  stop(): Promise<void>;
}

export function createSmtpGateway(deps: GatewayDeps, options: GatewayOptions): SmtpGateway {
  applySmtpConnectionPatches();
  // Per-transaction state lives beside the envelope object that smtp-server renews on every RSET/EHLO/MAIL.
  const transactions = new WeakMap<SMTPServerEnvelope, TransactionState>();

  /**
   * Stage failures that are not a decided reply (a database outage, a bug) become a temporary
   * `451 4.3.0` so the client retries; their text goes to the log, never to the client.
   */
  const toSmtpError = (error: unknown, stage: string): Error => {
    if (error instanceof Error && typeof (error as { responseCode?: unknown }).responseCode === 'number')
      return error;
    deps.logger.error('smtp stage failed', { stage, error });
    return replyError('local-error');
  };

  const servers = options.listeners.map((listener) => {
    const serverOptions: SMTPServerOptions & Record<string, unknown> = {
      name: options.hostname,
      banner: 'Mailwarden ESMTP submission',
      secure: listener.mode === 'implicit-tls',
      key: options.tls.key,
      cert: options.tls.cert,
      logger: false,
      disableReverseLookup: true,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      authRequiredMessage: 'Authentication required',
      // TLS before AUTH is enforced by the patched AUTH handler so that the reply is 530 5.7.0.
      allowInsecureAuth: true,
      mailwardenRequireTlsForAuth: options.requireTls,
      mailwardenGreetingDelayMs: options.greetingDelayMs,
      size: deps.limits.maxMessageBytes,
      maxClients: options.maxClients,
      socketTimeout: options.socketTimeoutMs,
      closeTimeout: options.closeTimeoutMs,
      disabledCommands: [],
      hideDSN: true,
      hideENHANCEDSTATUSCODES: false,
      onAuth(auth, session, callback) {
        authenticate(deps, auth, session).then(
          (user) => callback(null, { user }),
          (error: unknown) => callback(toSmtpError(error, 'auth')),
        );
      },
      onMailFrom(address, session, callback) {
        checkSender(deps, address, session).then(
          (state) => {
            transactions.set(session.envelope, state);
            callback();
          },
          (error: unknown) => callback(toSmtpError(error, 'mail-from')),
        );
      },
      onRcptTo(address, session, callback) {
        checkRecipient(deps, address, session, transactions.get(session.envelope)).then(
          () => callback(),
          (error: unknown) => callback(toSmtpError(error, 'rcpt-to')),
        );
      },
      onData(stream, session, callback) {
        receiveMessage(deps, stream, session, transactions.get(session.envelope)).then(
          (message) => callback(null, message),
          (error: unknown) => callback(toSmtpError(error, 'data')),
        );
      },
    };
    const server = new SMTPServer(serverOptions);
    acceptProxyHeaders(server, options.proxyTrustedAddresses ?? [], deps.logger);
    server.on('error', (error: Error) => {
      // Connection-level problems (resets, TLS handshakes gone wrong) end that connection only.
      deps.logger.debug('smtp connection error', { error, listener: listener.mode });
    });
    return { listener, server };
  });

  return {
    async start() {
      for (const { listener, server } of servers) {
        await new Promise<void>((resolve, reject) => {
          const onError = (error: Error) => reject(error);
          server.server.once('error', onError);
          server.listen(listener.port, listener.host, () => {
            server.server.off('error', onError);
            resolve();
          });
        });
      }
    },
    addresses() {
      return servers.map(({ listener, server }) => {
        const address = server.server.address();
        return {
          mode: listener.mode,
          port: typeof address === 'object' && address ? address.port : listener.port,
        };
      });
    },
    async stop() {
      await Promise.all(
        servers.map(
          ({ server }) =>
            new Promise<void>((resolve) => {
              if (!server.server.listening) return resolve();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}
