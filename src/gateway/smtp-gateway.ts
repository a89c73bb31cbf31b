import {
  SMTPServer,
  type SMTPServerEnvelope,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import { replyError } from '../smtp-status/index.js';
import type { GatewayDeps, SessionUser, TransactionState } from './gateway-deps.js';
import { acceptProxyHeaders } from './proxy-protocol.js';
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
  /**
   * Presents this certificate and key to every TLS handshake from now on (implicit TLS and
   * STARTTLS); sessions already encrypted keep theirs. The caller checks the pair first.
   */
  replaceTls(tls: TlsMaterial): void;
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

  /**
   * A transaction that ends unsent (reset, aborted, connection lost) gives back the recipients it
   * reserved, so that the sender's other sessions may use them at once. While DATA runs, the data
   * stage does it when it is done. A give-back that fails leaves the reservation to expire.
   */
  const giveBack = (state: TransactionState | undefined) => {
    if (!state || state.receiving) return;
    state.budget
      .giveBack()
      .catch((error: unknown) => deps.logger.warn('reserved recipients not given back', { error }));
  };

  /**
   * One info line per SMTP transaction (MAIL FROM to the end of DATA), with smtp-server's session
   * id, which every other line about the session carries too.
   */
  const logTransaction = (
    session: SMTPServerSession,
    code: number,
    reply: string,
    refusedSender?: string,
  ) => {
    const from = refusedSender ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : '');
    deps.logger.info('smtp transaction', {
      sessionId: session.id,
      clientIp: session.remoteAddress,
      user: (session.user as SessionUser | undefined)?.address ?? null,
      from,
      recipients: session.envelope.rcptTo.length,
      code,
      reply,
      tls: session.secure,
    });
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
      mailwardenOnTransactionEnd: (envelope: SMTPServerEnvelope) => giveBack(transactions.get(envelope)),
      ...(deps.metrics
        ? {
            mailwardenOnReply: (code: number) => deps.metrics?.smtpReply(code),
            mailwardenOnSession: () => deps.metrics?.smtpSession(listener.mode),
          }
        : {}),
      onClose(session) {
        giveBack(transactions.get(session.envelope));
      },
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
          (error: unknown) => {
            const reply = toSmtpError(error, 'mail-from');
            // A refused MAIL FROM ends the transaction before it began: one line for it too.
            logTransaction(session, replyCode(reply), reply.message, address.address);
            callback(reply);
          },
        );
      },
      onRcptTo(address, session, callback) {
        checkRecipient(deps, address, session, transactions.get(session.envelope)).then(
          () => callback(),
          (error: unknown) => callback(toSmtpError(error, 'rcpt-to')),
        );
      },
      onData(stream, session, callback) {
        const state = transactions.get(session.envelope);
        if (state) state.receiving = true;
        // A message that was not counted (refused, held, relay failed) gives back its reservation
        // before the reply, so that the client's next try sees it.
        const settle = async () => {
          if (!state) return;
          state.receiving = false;
          await state.budget
            .giveBack()
            .catch((error: unknown) => deps.logger.warn('reserved recipients not given back', { error }));
        };
        receiveMessage(deps, stream, session, state).then(
          async (message) => {
            await settle();
            logTransaction(session, 250, message);
            callback(null, message);
          },
          async (error: unknown) => {
            await settle();
            const reply = toSmtpError(error, 'data');
            logTransaction(session, replyCode(reply), reply.message);
            callback(reply);
          },
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
    replaceTls(tls) {
      // smtp-server builds each new TLS socket from its current secure context.
      for (const { server } of servers) server.updateSecureContext({ key: tls.key, cert: tls.cert });
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

function replyCode(error: Error): number {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' ? code : 451;
}
