import { sql } from 'kysely';
import pg from 'pg';
import type { Executor } from './store.js';

/**
 * What the instances sharing one database tell each other. A change is announced inside the write
 * transaction that makes it; every instance (this one too) hears it once that transaction commits.
 *
 * - PostgreSQL: `pg_notify` on the channel below, which PostgreSQL delivers only on commit (and never
 *   for a rolled-back transaction). Each instance listens on one dedicated connection that reconnects
 *   by itself; while it is down, and once when it is back, every subscriber is told that everything
 *   changed (a notification sent meanwhile is lost), so a cache is never stale for longer than the
 *   retry interval.
 * - SQLite: the announcement is heard in this process after commit.
 * - Worker processes of one host (`workers` > 1, worker-pool.ts), on either database: after commit the
 *   topic is also told to the other workers through the supervisor (a SiblingChannel), and the
 *   committing call returns only once every live worker heard it. So a change made through one worker
 *   (an API call) holds for the very next command any other worker serves; on PostgreSQL pg_notify
 *   still reaches the instances on other hosts.
 */
export interface ChangeFeed {
  /** Inside a writeTransaction (or on the store's db outside one): `topic` changed. */
  announce(executor: Executor, topic: ChangeTopic): Promise<void>;
  /** `onChange` runs (synchronously, must not throw) each time `topic` changed on any instance. */
  subscribe(topic: ChangeTopic, onChange: () => void): () => void;
  /** Whether changes on other instances are heard now (always true on SQLite). */
  listening(): boolean;
  close(): Promise<void>;
}

/**
 * What a cache may depend on. `settings`: org settings; `policies`: sending policies, domains and
 * group membership; `accounts`: a user's password, app passwords, state, lockouts or restrictions;
 * `mailboxAudit`: which mailboxes have auditing off (audit/mailbox-settings.ts).
 */
export type ChangeTopic = 'settings' | 'policies' | 'accounts' | 'mailboxAudit';

const CHANGE_TOPICS: readonly ChangeTopic[] = ['settings', 'policies', 'accounts', 'mailboxAudit'];
export const CHANGE_CHANNEL = 'mailwarden_changes';
/**
 * pg_stat_activity's application_name of every connection unless the database URL names one
 * (`?application_name=mailwarden-2`: one per instance, so an operator can count each one's sessions).
 */
export const PG_APPLICATION_NAME = 'mailwarden';
const RETRY_MS = 1000;

/**
 * The other worker processes of this host, through the supervisor's IPC (worker-pool.ts builds it; the
 * store only uses it). Messages are small JSON objects.
 */
export interface SiblingChannel {
  /** Tells every other worker; resolves once each live one has heard it (or a short timeout passed). */
  tell(message: SiblingMessage): Promise<void>;
  /** Runs for every message another worker told (synchronously, must not throw). */
  onTold(listener: (message: SiblingMessage) => void): void;
}

export type SiblingMessage =
  | { kind: 'changed'; topic: ChangeTopic }
  | { kind: 'own-deactivation'; mailbox: string; atMs: number };

interface FeedCore {
  subscribers: Map<ChangeTopic, Set<() => void>>;
  /** The other workers of this host, told of each committed topic (null: a single process). */
  siblings: SiblingChannel | null;
  /** Topics announced in a transaction that has not committed yet, by its executor. */
  pending: WeakMap<object, Set<ChangeTopic>>;
  /** What runs in this process once a transaction commits (store.afterCommit), by its executor. */
  afterCommit: WeakMap<object, Array<() => void>>;
}

function createCore(siblings: SiblingChannel | null): FeedCore {
  const core: FeedCore = {
    subscribers: new Map(CHANGE_TOPICS.map((topic) => [topic, new Set()])),
    pending: new WeakMap(),
    afterCommit: new WeakMap(),
    siblings,
  };
  siblings?.onTold((message) => {
    if (message.kind !== 'changed') return;
    if (CHANGE_TOPICS.includes(message.topic)) fire(core, message.topic);
    else fireAll(core);
  });
  return core;
}

/**
 * Runs `run` once the transaction of `executor` commits, in this process only (never when it rolls
 * back); outside a writeTransaction at once. For what must count only committed work (metrics).
 */
export function runAfterCommit(feed: { core: FeedCore }, executor: Executor, run: () => void): void {
  const waiting = feed.core.afterCommit.get(executor);
  if (waiting) waiting.push(run);
  else run();
}

/** Fires `topic` here and waits until the other workers of this host heard it too. */
async function fireEverywhere(core: FeedCore, topic: ChangeTopic): Promise<void> {
  fire(core, topic);
  await core.siblings?.tell({ kind: 'changed', topic });
}

function fire(core: FeedCore, topic: ChangeTopic): void {
  for (const onChange of core.subscribers.get(topic) ?? []) onChange();
}

function fireAll(core: FeedCore): void {
  for (const topic of CHANGE_TOPICS) fire(core, topic);
}

/**
 * Wraps a store's writeTransaction so that topics announced inside a transaction are heard in this
 * process once it commits (and never when it rolls back).
 */
type WriteTransaction = <T>(work: (trx: Executor) => Promise<T>) => Promise<T>;

export function announcingAfterCommit(
  feed: ChangeFeed & { core: FeedCore },
  writeTransaction: WriteTransaction,
): WriteTransaction {
  return async <T>(work: (trx: Executor) => Promise<T>): Promise<T> => {
    let topics: Set<ChangeTopic> | null = null;
    let committed: Array<() => void> = [];
    const result = await writeTransaction((trx) => {
      topics = new Set();
      // A retried transaction starts again with nothing to run.
      committed = [];
      feed.core.pending.set(trx, topics);
      feed.core.afterCommit.set(trx, committed);
      return work(trx);
    });
    for (const topic of (topics as Set<ChangeTopic> | null) ?? []) await fireEverywhere(feed.core, topic);
    for (const run of committed) run();
    return result;
  };
}

export function createLocalChangeFeed(
  siblings: SiblingChannel | null = null,
): ChangeFeed & { core: FeedCore } {
  const core = createCore(siblings);
  return {
    core,
    async announce(executor, topic) {
      const pending = core.pending.get(executor);
      if (pending) pending.add(topic);
      else await fireEverywhere(core, topic);
    },
    subscribe(topic, onChange) {
      core.subscribers.get(topic)?.add(onChange);
      return () => core.subscribers.get(topic)?.delete(onChange);
    },
    listening: () => true,
    async close() {},
  };
}

export function createPostgresChangeFeed(
  connectionString: string,
  options: { onListenError?: (error: unknown) => void; siblings?: SiblingChannel | null } = {},
): ChangeFeed & { core: FeedCore; ready: Promise<void> } {
  /** `ready` settles after the first attempt to listen (connected or not) once something subscribed. */
  const local = createLocalChangeFeed(options.siblings ?? null);
  const { core } = local;
  let client: pg.Client | null = null;
  let live = false;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let firstConnect: (() => void) | null = null;
  const ready = new Promise<void>((resolve) => {
    firstConnect = resolve;
  });

  const lost = (error: unknown) => {
    if (closed) return;
    if (live) options.onListenError?.(error);
    live = false;
    const broken = client;
    client = null;
    broken?.removeAllListeners();
    broken?.on('error', () => {});
    void broken?.end().catch(() => {});
    // Nothing from other instances is heard now: whatever a cache holds may be stale.
    fireAll(core);
    if (retry === null) retry = setTimeout(connect, RETRY_MS);
    retry.unref();
    firstConnect?.();
    firstConnect = null;
  };

  async function connect(): Promise<void> {
    retry = null;
    if (closed) return;
    const next = new pg.Client({ connectionString, fallback_application_name: PG_APPLICATION_NAME });
    next.on('error', lost);
    next.on('end', () => lost(new Error('the change feed connection ended')));
    next.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL) return;
      const topic = message.payload as ChangeTopic;
      if (CHANGE_TOPICS.includes(topic)) fire(core, topic);
      else fireAll(core);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      next.removeAllListeners();
      next.on('error', () => {});
      void next.end().catch(() => {});
      client = null;
      lost(error);
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    live = true;
    // Whatever was announced while no connection listened was missed.
    fireAll(core);
    firstConnect?.();
    firstConnect = null;
  }
  // A process that only announces (a CLI command) never opens the listening connection.
  let started = false;
  const start = () => {
    if (started || closed) return;
    started = true;
    void connect();
  };

  return {
    core,
    ready,
    async announce(executor, topic) {
      // Delivered by PostgreSQL when the transaction commits, to every listener (this instance too).
      await sql`select pg_notify(${CHANGE_CHANNEL}, ${topic})`.execute(executor);
      await local.announce(executor, topic);
    },
    subscribe(topic, onChange) {
      start();
      return local.subscribe(topic, onChange);
    },
    listening: () => live,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const open = client;
      client = null;
      live = false;
      if (open) {
        open.removeAllListeners();
        open.on('error', () => {});
        await open.end().catch(() => {});
      }
    },
  };
}

/**
 * One holder in the cluster for the periodic jobs (score snapshot, retention, notification dispatch,
 * anchoring, pruning): the instance that holds a session advisory lock on its own connection.
 * PostgreSQL releases the lock when that connection ends, so when the holder stops or dies (SIGKILL
 * included: the server closes the session when the socket goes) another instance takes it at its
 * next try. SQLite: the one process holds it; with several worker processes, worker 1 (the supervisor
 * replaces it under the same number when it dies).
 */
export interface Leadership {
  isLeader(): boolean;
  /** Runs each time this instance gains (true) or loses (false) the lead. */
  onChange(listener: (leader: boolean) => void): void;
  close(): Promise<void>;
}

export const LEADERSHIP_LOCK_KEY = 0x6d77_6c64;

export function alwaysLeader(): Leadership {
  return { isLeader: () => true, onChange() {}, async close() {} };
}

/** A worker of this host that is not the designated one (SQLite: worker 1 runs the periodic jobs). */
export function neverLeader(): Leadership {
  return { isLeader: () => false, onChange() {}, async close() {} };
}

export function createPostgresLeadership(
  connectionString: string,
  options: { retryMs?: number } = {},
): Leadership & { settled: Promise<void> } {
  const retryMs = options.retryMs ?? 5000;
  const listeners: ((leader: boolean) => void)[] = [];
  let leader = false;
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let settle: (() => void) | null = null;
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const become = (next: boolean) => {
    if (next === leader) return;
    leader = next;
    for (const listener of listeners) listener(next);
  };
  const drop = () => {
    const broken = client;
    client = null;
    broken?.removeAllListeners();
    broken?.on('error', () => {});
    void broken?.end().catch(() => {});
    become(false);
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(attempt, retryMs);
    timer.unref();
  };

  async function attempt(): Promise<void> {
    timer = null;
    if (closed) return;
    try {
      if (!client) {
        const next = new pg.Client({ connectionString, fallback_application_name: PG_APPLICATION_NAME });
        next.on('error', drop);
        next.on('end', drop);
        await next.connect();
        client = next;
      }
      // The holder only checks its session is alive (taking the lock again would stack it).
      const result = leader
        ? await client.query<{ held: boolean }>('select true as held')
        : await client.query<{ held: boolean }>('select pg_try_advisory_lock($1) as held', [
            LEADERSHIP_LOCK_KEY,
          ]);
      if (closed) return;
      become(result.rows[0]?.held === true);
    } catch {
      drop();
    }
    settle?.();
    settle = null;
    // The holder keeps checking its connection: a lost connection is a lost lock.
    schedule();
  }
  void attempt();

  return {
    settled,
    isLeader: () => leader,
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const open = client;
      client = null;
      leader = false;
      if (open) {
        open.removeAllListeners();
        open.on('error', () => {});
        // Ending the session releases the lock; another instance takes it at its next try.
        await open.end().catch(() => {});
      }
    },
  };
}
