import { readFileSync } from 'node:fs';
import { prepareMailwarden, type ServedMailwarden, type ServedOptions } from './served-mailwarden.js';

/**
 * `mailwarden serve` with MAILWARDEN_WORKERS=2 (a supervisor and two worker processes on the same
 * ports), on SQLite in its data dir or on the PostgreSQL database given: the served-mailwarden.ts
 * process, seeded the same way. `child` is the supervisor; every line a worker logs names it
 * (`"worker":N`), which is how a test knows which worker served what.
 */
export async function prepareWorkers(
  options: ServedOptions & { workers?: number; databaseUrl?: string } = {},
): Promise<ServedMailwarden> {
  const { workers, databaseUrl, env, ...rest } = options;
  return prepareMailwarden({
    ...rest,
    env: {
      MAILWARDEN_WORKERS: String(workers ?? 2),
      ...(databaseUrl ? { MAILWARDEN_DATABASE_URL: databaseUrl } : {}),
      ...env,
    },
  });
}

/** The worker processes the supervisor runs now (its children, from /proc). */
export function workerPids(served: ServedMailwarden): number[] {
  const pid = served.child.pid;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

/** One process's memory, from /proc: resident (RSS) and proportional (PSS, and its anonymous part). */
export interface ProcessMemory {
  pid: number;
  /** 'supervisor', 'worker' (each of its children) or 'server' (a single process, no workers). */
  role: 'supervisor' | 'worker' | 'server';
  rssBytes: number;
  pssBytes: number;
  /** PSS of anonymous memory: the V8 heap, buffers, OpenSSL and SQLite allocations. */
  pssAnonBytes: number;
}

/** Resident memory of the supervisor and every worker, summed (and proportional: shared pages split). */
export function memoryOfAll(served: ServedMailwarden): {
  rssBytes: number;
  pssBytes: number;
  processes: number;
  each: ProcessMemory[];
} {
  const workers = workerPids(served);
  const pids = [served.child.pid!, ...workers];
  const kb = (text: string, field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const each = pids.map((pid, index): ProcessMemory => {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return {
      pid,
      role: index > 0 ? 'worker' : workers.length > 0 ? 'supervisor' : 'server',
      rssBytes: kb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS'),
      pssBytes: kb(rollup, 'Pss'),
      pssAnonBytes: kb(rollup, 'Pss_Anon'),
    };
  });
  return {
    rssBytes: each.reduce((sum, one) => sum + one.rssBytes, 0),
    pssBytes: each.reduce((sum, one) => sum + one.pssBytes, 0),
    processes: pids.length,
    each,
  };
}

/** The JSON lines of the log (others, such as a stack trace, are skipped). */
export function logLines(served: ServedMailwarden): Array<Record<string, unknown>> {
  return served
    .log()
    .split('\n')
    .flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** The workers (by number) that logged an `smtp transaction` line from `since` on in the log. */
export function workersThatServedSmtp(served: ServedMailwarden, sinceLine = 0): Set<number> {
  return new Set(
    logLines(served)
      .slice(sinceLine)
      .filter((line) => line['msg'] === 'smtp transaction' && typeof line['worker'] === 'number')
      .map((line) => line['worker'] as number),
  );
}

/** GET /healthz: which worker answered. */
export async function healthzWorker(served: ServedMailwarden): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${served.ports.http}/healthz`);
  const body = (await response.json()) as { worker?: number };
  if (typeof body.worker !== 'number') throw new Error(`no worker in /healthz: ${JSON.stringify(body)}`);
  return body.worker;
}

/** An API call with the admin token. */
export async function api(
  served: ServedMailwarden,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${served.ports.http}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${served.apiToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
}
