import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './runtime/logger.js';
import type { SiblingChannel, SiblingMessage } from './store/index.js';

/**
 * `serve` with `workers` > 1 (MAILWARDEN_WORKERS): a supervisor process (node:cluster's primary) starts
 * that many worker processes, each a whole server (SMTP, policy port, HTTP) on the same listening ports;
 * node:cluster hands each new connection to one worker. The supervisor holds no data, serves nothing
 * and loads none of the server's modules (bin/mailwarden.js starts it through serve-supervisor.ts, so
 * it stays small). What must happen once per start (migrations, the partial spool files a crash left,
 * a self-signed TLS certificate) the first worker 1 does before it serves; the others start once it is
 * ready. Then the supervisor
 *
 * - replaces a worker that died (same number, so it resumes that worker's Dovecot event spool and,
 *   as worker 1, the periodic jobs on SQLite), after a pause that doubles while replacements die young;
 * - passes SIGTERM/SIGINT on as a stop (each worker drains its sessions, as a single process does),
 *   and exits once every worker has; a second signal kills them at once;
 * - passes SIGHUP on (each worker re-reads the configuration and the TLS certificate);
 * - relays what one worker tells the others (SiblingChannel: a committed change, a Sieve deactivation
 *   respond asked for) and answers the teller once every live worker heard it;
 * - gathers, for the worker that answers a /metrics scrape, every other worker's metrics (collect:
 *   each replies with its registry as JSON; the asker gets the replies once all came or after
 *   COLLECT_TIMEOUT_MS, without a worker that did not answer), so one scrape shows the whole service.
 *
 * Why processes and not threads: each worker is the single-process server unchanged (its own event
 * loop, SQLite connection, ingest thread and caches), so what was exact across instances on one
 * PostgreSQL is exact across workers, and a crash takes one worker, not the host's service.
 */

/**
 * Set by the supervisor on each worker it starts: which worker (1…count) it is; `1:first` for the first
 * worker 1 of a start, which prepares what must happen once.
 */
export const WORKER_SLOT_VARIABLE = 'MAILWARDEN_WORKER_SLOT';
/** How long a teller waits for its siblings to hear it (a worker stuck that long is not waited for). */
const TELL_TIMEOUT_MS = 2000;
/**
 * How long the supervisor waits for the workers' metrics for one scrape: a worker stuck (or killed
 * mid-way) is left out of that scrape rather than making it hang.
 */
const COLLECT_TIMEOUT_MS = 1000;
/** A worker that dies sooner than this after it started is replaced after a growing pause. */
const YOUNG_DEATH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

type ToSupervisor =
  | { mw: 'ready' }
  | { mw: 'tell'; id: number; message: SiblingMessage }
  | { mw: 'heard'; key: string }
  | { mw: 'collect'; id: number }
  | { mw: 'collected'; key: string; metrics: unknown };

type ToWorker =
  | { mw: 'told'; key: string; message: SiblingMessage }
  | { mw: 'told-all'; id: number }
  | { mw: 'collect'; key: string }
  | { mw: 'collected-all'; id: number; metrics: unknown[] }
  | { mw: 'stop' }
  | { mw: 'reload' };

const isOurs = (message: unknown): message is { mw: string } =>
  typeof message === 'object' && message !== null && typeof (message as { mw?: unknown }).mw === 'string';

export interface SupervisorOptions {
  count: number;
  logger: Logger;
  /** What the final log line names (database, listeners), as the single process logs it. */
  describe: Record<string, unknown>;
  /** How long a stopping worker may drain before it is killed (shutdown.graceMs plus its own closing). */
  stopTimeoutMs: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  startedAtMs: number;
  restartDelayMs: number;
}

/** Runs the supervisor until the workers are stopped; resolves with the exit status of `serve`. */
export function superviseWorkers(options: SupervisorOptions): Promise<number> {
  const { logger, count } = options;
  const slots = new Map<number, Slot>();
  /** Tells in flight: the teller and the workers (by cluster id) that have not heard it yet. */
  const tells = new Map<string, { teller: Worker; id: number; waiting: Set<number> }>();
  /** Collections in flight: the asker, what came back, and the workers (by cluster id) still to answer. */
  const collections = new Map<
    string,
    { asker: Worker; id: number; replies: unknown[]; waiting: Set<number>; timer: NodeJS.Timeout }
  >();
  let stopping = false;
  let started = false;
  let exitCode = 0;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const send = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message, () => {});
  };

  const settleTell = (key: string) => {
    const tell = tells.get(key);
    if (!tell || tell.waiting.size > 0) return;
    tells.delete(key);
    send(tell.teller, { mw: 'told-all', id: tell.id });
  };

  const settleCollection = (key: string, force = false) => {
    const collection = collections.get(key);
    if (!collection || (collection.waiting.size > 0 && !force)) return;
    collections.delete(key);
    clearTimeout(collection.timer);
    send(collection.asker, { mw: 'collected-all', id: collection.id, metrics: collection.replies });
  };

  const onMessage = (slot: number, worker: Worker, message: unknown) => {
    if (!isOurs(message)) return;
    const received = message as ToSupervisor;
    if (received.mw === 'ready') {
      const entry = slots.get(slot);
      if (entry?.worker !== worker) return;
      entry.ready = true;
      // Worker 1 prepared the data dir and the database: the others start now.
      if (!started && slot === 1) for (let next = 2; next <= count; next += 1) fork(next, 0);
      if (!started && [...slots.values()].filter((s) => s.ready).length === count) {
        started = true;
        logger.info('mailwarden started', {
          workers: count,
          pids: [...slots.values()].map((s) => s.worker.process.pid),
          ...options.describe,
        });
      } else if (started) logger.info('worker replaced', { worker: slot, pid: worker.process.pid });
    } else if (received.mw === 'tell') {
      const key = `${worker.id}:${received.id}`;
      const waiting = new Set<number>();
      for (const other of slots.values()) {
        if (other.worker === worker || !other.worker.isConnected()) continue;
        send(other.worker, { mw: 'told', key, message: received.message });
        // A worker still starting reads everything fresh when it is ready: it is told, not waited for.
        if (other.ready) waiting.add(other.worker.id);
      }
      tells.set(key, { teller: worker, id: received.id, waiting });
      settleTell(key);
    } else if (received.mw === 'heard') {
      tells.get(received.key)?.waiting.delete(worker.id);
      settleTell(received.key);
    } else if (received.mw === 'collect') {
      // The asker reads its own registry: only the others are asked.
      const key = `${worker.id}:${received.id}`;
      const waiting = new Set<number>();
      for (const other of slots.values()) {
        if (other.worker === worker || !other.worker.isConnected()) continue;
        send(other.worker, { mw: 'collect', key });
        waiting.add(other.worker.id);
      }
      const timer = setTimeout(() => settleCollection(key, true), COLLECT_TIMEOUT_MS);
      timer.unref();
      collections.set(key, { asker: worker, id: received.id, replies: [], waiting, timer });
      settleCollection(key);
    } else if (received.mw === 'collected') {
      const collection = collections.get(received.key);
      if (!collection?.waiting.delete(worker.id)) return;
      // null: a worker still starting, with no metrics to give yet.
      if (received.metrics !== null) collection.replies.push(received.metrics);
      settleCollection(received.key);
    }
  };

  const fork = (slot: number, restartDelayMs: number, first = false) => {
    const worker = cluster.fork({ [WORKER_SLOT_VARIABLE]: first ? `${slot}:first` : String(slot) });
    slots.set(slot, { worker, ready: false, startedAtMs: Date.now(), restartDelayMs });
    worker.on('message', (message: unknown) => onMessage(slot, worker, message));
    worker.on('exit', (code, signal) => onExit(slot, worker, code, signal));
  };

  const onExit = (slot: number, worker: Worker, code: number | null, signal: string | null) => {
    const entry = slots.get(slot);
    if (entry?.worker !== worker) return;
    slots.delete(slot);
    // It hears nothing more: tells waiting for it are settled without it.
    for (const [key, tell] of tells) {
      tell.waiting.delete(worker.id);
      settleTell(key);
    }
    for (const [key, collection] of collections) {
      collection.waiting.delete(worker.id);
      settleCollection(key);
    }
    if (stopping) {
      if (code !== 0 && code !== null) exitCode = Math.max(exitCode, code);
      if (slots.size === 0) finish(exitCode);
      return;
    }
    if (!started) {
      // A worker that cannot start (a port in use, a database it cannot open) is not retried: the
      // others stop, and serve exits with that worker's status, as a single process would.
      logger.error('a worker could not start: stopping', { worker: slot, code, signal });
      exitCode = code && code > 0 ? code : 1;
      stop();
      if (slots.size === 0) finish(exitCode);
      return;
    }
    const livedMs = Date.now() - entry.startedAtMs;
    const delayMs =
      livedMs < YOUNG_DEATH_MS ? Math.min(Math.max(entry.restartDelayMs * 2, 1000), MAX_RESTART_DELAY_MS) : 0;
    logger.error('worker exited: starting a replacement', {
      worker: slot,
      pid: worker.process.pid,
      code,
      signal,
      inMs: delayMs,
    });
    const timer = setTimeout(() => {
      if (!stopping) fork(slot, delayMs);
    }, delayMs);
    timer.unref();
  };

  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const { worker } of slots.values()) {
      send(worker, { mw: 'stop' });
      // A worker that does not finish draining in time is ended.
      const timer = setTimeout(() => worker.process.kill('SIGKILL'), options.stopTimeoutMs);
      timer.unref();
    }
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal: killing the workers without waiting', { signal });
      for (const { worker } of slots.values()) worker.process.kill('SIGKILL');
      exitCode = 1;
      return;
    }
    logger.info('stopping: no new connections; sessions in flight may finish', {
      signal,
      workers: slots.size,
    });
    stop();
    if (slots.size === 0) finish(exitCode);
  };
  const onHangup = () => {
    logger.info('reloading on SIGHUP: telling every worker');
    for (const { worker } of slots.values()) send(worker, { mw: 'reload' });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onHangup);
  fork(1, 0, true);
  return done.finally(() => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onHangup);
    logger.info('stopped');
  });
}

/**
 * In a worker: which one it is (its slot) and whether it is the first worker 1 of this start, or null
 * when this process is no worker of a supervisor.
 */
export function workerSlot(env: Record<string, string | undefined>): { slot: number; first: boolean } | null {
  if (!cluster.isWorker) return null;
  const match = /^(\d+)(:first)?$/.exec(env[WORKER_SLOT_VARIABLE] ?? '');
  const slot = Number(match?.[1]);
  return match && slot >= 1 ? { slot, first: match[2] !== undefined } : null;
}

/** In a worker: what the supervisor asks of it (stop, reload), and the line back to it. */
export interface SupervisorLink {
  siblings: SiblingChannel;
  /** Tells the supervisor this worker serves. */
  ready(): void;
  /** The supervisor asks this worker to stop (or is gone: then the worker stops too). */
  onStop(listener: () => void): void;
  /** The supervisor passes a SIGHUP on. */
  onReload(listener: () => void): void;
  /**
   * The other workers' metrics for one scrape (each its registry as JSON, as the provider gave it);
   * those that did not answer within COLLECT_TIMEOUT_MS are left out, and none on a lost supervisor.
   */
  collectFromSiblings(): Promise<unknown[]>;
  /** What this worker gives a sibling's collect: its registry as JSON. */
  provideMetrics(provider: () => Promise<unknown>): void;
  /** Closes the line so that the process can end. */
  close(): void;
}

export function linkToSupervisor(): SupervisorLink {
  const told: Array<(message: SiblingMessage) => void> = [];
  const stopListeners: Array<() => void> = [];
  const reloadListeners: Array<() => void> = [];
  const waiting = new Map<number, () => void>();
  const collecting = new Map<number, (metrics: unknown[]) => void>();
  let provider: (() => Promise<unknown>) | null = null;
  let nextId = 1;
  const send = (message: ToSupervisor, onSent?: (error: Error | null) => void) => {
    if (!process.connected || !process.send) {
      onSent?.(new Error('no supervisor'));
      return;
    }
    process.send(message, undefined, {}, (error) => onSent?.(error ?? null));
  };
  process.on('message', (message: unknown) => {
    if (!isOurs(message)) return;
    const received = message as ToWorker;
    if (received.mw === 'told') {
      for (const listener of told) listener(received.message);
      send({ mw: 'heard', key: received.key });
    } else if (received.mw === 'told-all') waiting.get(received.id)?.();
    else if (received.mw === 'collect') {
      const key = received.key;
      // A metrics failure answers null (left out) rather than keeping the asker waiting for the timeout.
      (provider ? provider().catch(() => null) : Promise.resolve(null)).then((metrics) =>
        send({ mw: 'collected', key, metrics }),
      );
    } else if (received.mw === 'collected-all') collecting.get(received.id)?.(received.metrics);
    else if (received.mw === 'stop') for (const listener of stopListeners) listener();
    else if (received.mw === 'reload') for (const listener of reloadListeners) listener();
  });
  // The supervisor is gone (killed): nobody replaces this worker or relays for it, so it stops.
  process.on('disconnect', () => {
    for (const settle of [...waiting.values()]) settle();
    for (const settle of [...collecting.values()]) settle([]);
    for (const listener of stopListeners) listener();
  });
  return {
    siblings: {
      tell(message) {
        return new Promise<void>((resolve) => {
          const id = nextId++;
          const timer = setTimeout(() => settle(), TELL_TIMEOUT_MS);
          timer.unref();
          const settle = () => {
            clearTimeout(timer);
            waiting.delete(id);
            resolve();
          };
          waiting.set(id, settle);
          send({ mw: 'tell', id, message }, (error) => {
            if (error) settle();
          });
        });
      },
      onTold(listener) {
        told.push(listener);
      },
    },
    collectFromSiblings() {
      return new Promise<unknown[]>((resolve) => {
        const id = nextId++;
        // The supervisor answers within COLLECT_TIMEOUT_MS; this covers a supervisor that cannot.
        const timer = setTimeout(() => settle([]), COLLECT_TIMEOUT_MS * 2);
        timer.unref();
        const settle = (metrics: unknown[]) => {
          clearTimeout(timer);
          collecting.delete(id);
          resolve(metrics);
        };
        collecting.set(id, settle);
        send({ mw: 'collect', id }, (error) => {
          if (error) settle([]);
        });
      });
    },
    provideMetrics(next) {
      provider = next;
    },
    ready: () => send({ mw: 'ready' }),
    onStop(listener) {
      stopListeners.push(listener);
    },
    onReload(listener) {
      reloadListeners.push(listener);
    },
    close() {
      if (process.connected) process.disconnect();
    },
  };
}
