import net from 'node:net';
import { listenOn } from '../../runtime/listen.js';
import type { Logger } from '../../runtime/logger.js';
import { createContentCheck, gatewayReply } from './content-check.js';
import { encodeReply, MilterReader, type MilterReply } from './milter-codec.js';
import type { MilterDeps } from './milter-deps.js';
import { MilterSession } from './milter-session.js';

export interface MilterServerOptions {
  /** Postfix keeps one connection per SMTP session; a peer silent this long is gone. */
  idleTimeoutMs?: number;
  maxConnections?: number;
  /** On stop, messages being judged may finish within this. */
  closeTimeoutMs?: number;
  /** How often messages whose content never came are swept from the hand-off (and logged). */
  sweepIntervalMs?: number;
}

export interface MilterServer {
  start(host: string, port: number): Promise<void>;
  /** The bound port (useful after start on port 0); null when not listening. */
  port(): number | null;
  /** Connections closed for breaking the protocol, since start. */
  protocolErrors(): number;
  stop(): Promise<void>;
}

/**
 * The milter listener (smtpd_milters = inet:HOST:PORT): one session per connection, commands
 * answered in order. A peer that breaks the protocol is told TEMPFAIL and disconnected; an error
 * while judging answers the gateway's 451 4.3.0 (Postfix keeps nothing, the client retries).
 */
export function createMilterServer(deps: MilterDeps, options: MilterServerOptions = {}): MilterServer {
  const logger: Logger = deps.logger;
  const check = createContentCheck(deps);
  const sockets = new Set<net.Socket>();
  const busy = new Set<net.Socket>();
  let server: net.Server | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;
  let protocolErrors = 0;

  const judge: typeof check = async (content) => {
    let reply: MilterReply;
    try {
      reply = await check(content);
    } catch (error) {
      logger.error('milter: message could not be judged', {
        error,
        queueId: content.queueId,
        login: content.login,
      });
      reply = gatewayReply('local-error');
    }
    deps.metrics?.milterDecision(decisionName(reply));
    return reply;
  };

  const serve = (socket: net.Socket) => {
    sockets.add(socket);
    const reader = new MilterReader();
    const session = new MilterSession(judge, deps.limits.maxMessageBytes);
    let queue = Promise.resolve();
    const send = (reply: MilterReply) => {
      if (!socket.destroyed && !socket.writableEnded) socket.write(encodeReply(reply));
    };
    const breakOff = (problem: string) => {
      protocolErrors += 1;
      logger.warn('milter: protocol error; connection closed', { problem, remote: socket.remoteAddress });
      send({ kind: 'tempfail' });
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    };
    socket.setTimeout(options.idleTimeoutMs ?? 600_000, () => socket.destroy());
    socket.on('error', (error) => logger.debug('milter connection error', { error }));
    socket.on('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        queue = queue.then(async () => {
          if (socket.destroyed || socket.writableEnded) return;
          if (!event.ok) return breakOff(event.problem);
          busy.add(socket);
          try {
            const reply = await session.handle(event.command);
            if (reply) send(reply);
            if (event.command.kind === 'quit') socket.end();
          } catch (error) {
            breakOff((error as Error).message);
          } finally {
            busy.delete(socket);
          }
        });
      }
    });
  };

  const sweep = () => {
    for (const message of deps.awaitingContent.sweep())
      logger.warn(
        'milter: the policy service let a message through, but its content never reached the milter; not recorded as sent (check smtpd_milters on the submission service)',
        { queueId: message.queueId, mailbox: message.user.address, instance: message.instance },
      );
  };

  return {
    async start(host, port) {
      if (server) throw new Error('the milter server is already started');
      const created = net.createServer(serve);
      created.maxConnections = options.maxConnections ?? 1000;
      await listenOn(created, host, port);
      created.on('error', (error) => logger.error('milter server error', { error }));
      server = created;
      sweepTimer = setInterval(sweep, options.sweepIntervalMs ?? 60_000);
      sweepTimer.unref();
    },
    port() {
      const address = server?.address();
      return address && typeof address === 'object' ? address.port : null;
    },
    protocolErrors: () => protocolErrors,
    async stop() {
      const closing = server;
      if (!closing) return;
      server = null;
      if (sweepTimer) clearInterval(sweepTimer);
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      // Idle connections go now (Postfix reconnects for its next session); busy ones after their answer.
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, options.closeTimeoutMs ?? 5000);
      const idle = setInterval(() => {
        for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
      }, 50);
      await closed;
      clearTimeout(cut);
      clearInterval(idle);
    },
  };
}

/** The end-of-message answer as a metric label: accept, discard (held), reject or tempfail. */
function decisionName(reply: MilterReply): string {
  if (reply.kind === 'replycode') return reply.code >= 500 ? 'reject' : 'tempfail';
  return reply.kind;
}
