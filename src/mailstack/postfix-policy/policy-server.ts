import net from 'node:net';
import { listenOn } from '../../runtime/listen.js';
import type { PolicyServerDeps } from '../mailstack-deps.js';
import type { AwaitingContent } from '../milter/awaiting-content.js';
import { createPolicyDecider, pendingMessageKey } from './policy-decider.js';
import {
  DEFAULT_POLICY_REQUEST_LIMITS,
  type PolicyRequestEvent,
  type PolicyRequestLimits,
  PolicyRequestReader,
} from './policy-request-reader.js';
import {
  type PolicyOnError,
  type PostfixActionName,
  toPolicyReply,
  undecidedAction,
} from './postfix-actions.js';

export interface PostfixPolicyServerOptions {
  /** Default: config policy.onError. */
  onError?: PolicyOnError;
  /** Default: config smtp.maxMessageBytes (the gateway's limit). */
  maxMessageBytes?: number;
  limits?: Partial<PolicyRequestLimits>;
  /** A message whose END-OF-MESSAGE never comes is forgotten after this. */
  pendingTtlMs?: number;
  maxPendingMessages?: number;
  /**
   * Connections are persistent ("the server must not close the connection"); Postfix closes its
   * own after smtpd_policy_service_max_idle (300 s), so this only catches peers that vanished.
   */
  idleTimeoutMs?: number;
  /** Postfix opens one connection per smtpd process (default_process_limit 100). */
  maxConnections?: number;
  /** On stop, requests being decided may finish within this. Default: config shutdown.graceMs. */
  closeTimeoutMs?: number;
  /** The milter's hand-off: set when the milter runs (policy-decider.ts). */
  awaitingContent?: AwaitingContent;
}

export interface PostfixPolicyServer {
  start(host: string, port: number): Promise<void>;
  /** The bound port (useful after start on port 0); null when not listening. */
  port(): number | null;
  stop(): Promise<void>;
}

/** Reading pauses while this many requests of one connection wait for their answer. */
const MAX_WAITING_PER_CONNECTION = 16;
/** More than this in one burst is not Postfix (it sends one request, then reads the reply). */
const MAX_BURST_PER_CONNECTION = 1000;
/** How long a connection being closed still reads (and drops) what the peer sends. */
const LINGER_MS = 2000;

/**
 * Closes after the last answer without losing it: input the peer already sent is read and dropped
 * until it hangs up too, because closing with unread input makes the kernel reset the connection,
 * and a reset can destroy the answer before the peer read it.
 */
function hangUp(socket: net.Socket): void {
  socket.end();
  socket.resume();
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(linger));
}

interface Connection {
  socket: net.Socket;
  waiting: number;
  /**
   * The message the last request was about. Postfix asks about one message at a time per connection:
   * a request about another one, or the connection closing, means the last one is completed or
   * aborted (SMTPD_POLICY_README, "instance"); one that never reached END-OF-MESSAGE gives back.
   */
  lastMessage: string | null;
}

/**
 * Postfix's policy delegation protocol over TCP (SMTPD_POLICY_README): requests are answered in the
 * order they came, one connection at a time, many requests per connection.
 */
export function createPostfixPolicyServer(
  deps: PolicyServerDeps,
  options: PostfixPolicyServerOptions = {},
): PostfixPolicyServer {
  const logger = deps.logger.child({ role: 'postfix-policy' });
  const onError = options.onError ?? deps.config.policy.onError;
  const limits = { ...DEFAULT_POLICY_REQUEST_LIMITS, ...options.limits };
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? deps.config.shutdown.graceMs;
  const decider = createPolicyDecider(
    { ...deps, logger },
    {
      onError,
      maxMessageBytes: options.maxMessageBytes ?? deps.config.smtp.maxMessageBytes,
      pendingTtlMs: options.pendingTtlMs ?? 600_000,
      maxPendingMessages: options.maxPendingMessages ?? 10_000,
      ...(options.awaitingContent ? { awaitingContent: options.awaitingContent } : {}),
    },
  );
  const connections = new Set<Connection>();
  let server: net.Server | null = null;
  let stopping = false;

  const decide = async (event: PolicyRequestEvent, connection: Connection): Promise<PostfixActionName> => {
    if (event.ok) {
      const message = pendingMessageKey(event.attributes);
      if (connection.lastMessage !== null && connection.lastMessage !== message)
        await decider.abandon(connection.lastMessage);
      connection.lastMessage = message;
      return decider.decide(event.attributes);
    }
    logger.warn('garbled postfix policy request', { problem: event.problem });
    return undecidedAction(onError);
  };
  /** The reply to one request, its decision counted with the time it took (GET /metrics). */
  const answer = async (event: PolicyRequestEvent, connection: Connection): Promise<string> => {
    const started = performance.now();
    const action = await decide(event, connection).catch(() => undecidedAction(onError));
    deps.metrics?.policyDecision(action, (performance.now() - started) / 1000);
    return toPolicyReply(action);
  };

  const serve = (socket: net.Socket) => {
    const connection: Connection = { socket, waiting: 0, lastMessage: null };
    connections.add(connection);
    const reader = new PolicyRequestReader(limits);
    let queue = Promise.resolve();
    // Backpressure both ways: stop reading while answers are owed or the peer is not reading them.
    const updateFlow = () => {
      const hold = connection.waiting >= MAX_WAITING_PER_CONNECTION || socket.writableNeedDrain;
      if (hold && !socket.isPaused()) socket.pause();
      else if (!hold && socket.isPaused()) socket.resume();
    };
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    socket.on('drain', updateFlow);
    socket.on('error', (error) => logger.debug('postfix policy connection error', { error }));
    socket.on('close', () => {
      connections.delete(connection);
      // After the answers owed: a request still being decided may be that message's END-OF-MESSAGE.
      queue = queue.then(async () => {
        if (connection.lastMessage !== null) await decider.abandon(connection.lastMessage);
      });
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket.writableEnded) return;
      for (const event of reader.push(chunk)) {
        if (connection.waiting >= MAX_BURST_PER_CONNECTION) {
          logger.warn('postfix policy peer sends without reading answers; disconnecting', {
            remote: socket.remoteAddress,
          });
          socket.destroy();
          return;
        }
        connection.waiting += 1;
        queue = queue.then(async () => {
          const reply = await answer(event, connection);
          connection.waiting -= 1;
          if (socket.destroyed || socket.writableEnded) return;
          socket.write(reply);
          if (!event.ok && event.endOfStream) hangUp(socket);
          else if (stopping && connection.waiting === 0) socket.end(() => socket.destroy());
          else updateFlow();
        });
      }
      updateFlow();
    });
  };

  return {
    async start(host, port) {
      if (server) throw new Error('the postfix policy server is already started');
      const created = net.createServer(serve);
      created.maxConnections = options.maxConnections ?? 1000;
      await listenOn(created, host, port);
      created.on('error', (error) => logger.error('postfix policy server error', { error }));
      server = created;
      stopping = false;
    },
    port() {
      const address = server?.address();
      return address && typeof address === 'object' ? address.port : null;
    },
    async stop() {
      const closing = server;
      if (!closing) return;
      server = null;
      stopping = true;
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      // Idle connections go now; busy ones after their last answer, or when the grace is over.
      for (const connection of connections)
        if (connection.waiting === 0) connection.socket.end(() => connection.socket.destroy());
      const cut = setTimeout(() => {
        for (const connection of connections) connection.socket.destroy();
      }, closeTimeoutMs);
      await closed;
      clearTimeout(cut);
    },
  };
}
