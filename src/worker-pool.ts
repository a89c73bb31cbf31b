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
 *   respond asked for) and answers the teller once every live worker heard it.
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
/** A worker that dies sooner than this after it started is replaced after a growing pause. */
const YOUNG_DEATH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

type ToSupervisor =
  | { mw: 'ready' }
  | { mw: 'tell'; id: number; message: SiblingMessage }
  | { mw: 'heard'; key: string };

type ToWorker =
  | { mw: 'told'; key: string; message: SiblingMessage }
  | { mw: 'told-all'; id: number }
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
  /** Closes the line so that the process can end. */
  close(): void;
}

export function linkToSupervisor(): SupervisorLink {
  const told: Array<(message: SiblingMessage) => void> = [];
  const stopListeners: Array<() => void> = [];
  const reloadListeners: Array<() => void> = [];
  const waiting = new Map<number, () => void>();
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
    else if (received.mw === 'stop') for (const listener of stopListeners) listener();
    else if (received.mw === 'reload') for (const listener of reloadListeners) listener();
  });
  // The supervisor is gone (killed): nobody replaces this worker or relays for it, so it stops.
  process.on('disconnect', () => {
    for (const settle of [...waiting.values()]) settle();
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
