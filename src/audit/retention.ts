import type { Clock } from '../runtime/clock.js';
import type { SecretBox } from '../runtime/secret-box.js';
import type { Store } from '../store/index.js';
import { appendRecords, sealRecord } from './append-records.js';
import type { Actor } from './events.js';

export const DAY_MS = 86_400_000;
/** Records removed per transaction, so that pruning never holds the writer for long. */
const DELETE_CHUNK = 10_000;

export interface PruneOutcome {
  /** Records removed by this run. */
  removed: number;
  /** The newest removed record; the chain now starts right after it (null: nothing to remove). */
  throughId: number | null;
  cutoff: string;
}

/** What a checkpoint's signature seals: a record id and its hash, as the retention run saw them. */
export interface CheckpointClaim {
  throughId: number;
  throughHash: string;
  createdAt: number;
}

export function checkpointText(claim: CheckpointClaim): string {
  return JSON.stringify([
    'mailwarden-audit-checkpoint-v1',
    claim.throughId,
    claim.throughHash,
    claim.createdAt,
  ]);
}

/**
 * Retention: a checkpoint naming the newest record to remove and its hash, sealed with secrets.key
 * (AES-GCM authenticates it: without the key nobody can make one), is written with a PruneAuditLog
 * record in one transaction; only then may the database delete records up to it (the append-only
 * trigger allows nothing else). `verify` starts the chain on the checkpoint's hash.
 */
export async function pruneRecords(
  deps: { store: Store; clock: Clock; secrets: SecretBox },
  options: { retentionDays: number; actor: Actor },
): Promise<PruneOutcome> {
  const now = deps.clock.nowMs();
  const cutoffMs = now - options.retentionDays * DAY_MS;
  const { store } = deps;
  const planned = await store.writeTransaction(async (trx) => {
    await store.lockAuditChain(trx);
    const newest = await trx
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('time', '<', cutoffMs)
      .executeTakeFirst();
    const throughId = newest?.id === null || newest?.id === undefined ? null : Number(newest.id);
    const covered = await trx
      .selectFrom('audit_checkpoint')
      .select((eb) => eb.fn.max('through_id').as('id'))
      .executeTakeFirst();
    const coveredId = covered?.id === null || covered?.id === undefined ? 0 : Number(covered.id);
    if (throughId === null || throughId <= coveredId) return { throughId: coveredId || null, fresh: false };
    const through = await trx
      .selectFrom('audit_log')
      .select('hash')
      .where('id', '=', throughId)
      .executeTakeFirstOrThrow();
    const claim = { throughId, throughHash: through.hash, createdAt: now };
    await trx
      .insertInto('audit_checkpoint')
      .values({
        created_at: now,
        through_id: throughId,
        through_hash: through.hash,
        signature: await deps.secrets.seal(checkpointText(claim)),
      })
      .execute();
    await appendRecords(store, trx, [
      sealRecord({
        timeMs: now,
        input: {
          operation: 'PruneAuditLog',
          result: 'success',
          ...options.actor,
          details: {
            retentionDays: options.retentionDays,
            cutoff: new Date(cutoffMs).toISOString(),
            throughId,
            throughHash: through.hash,
          },
        },
      }),
    ]);
    return { throughId, fresh: true };
  });
  // Also finishes a run that was interrupted after its checkpoint.
  let removed = 0;
  if (planned.throughId !== null) {
    for (;;) {
      const deleted = await store.writeTransaction(async (trx) => {
        const oldest = await trx
          .selectFrom('audit_log')
          .select('id')
          .orderBy('id')
          .limit(1)
          .executeTakeFirst();
        if (!oldest || oldest.id > planned.throughId!) return 0;
        const upTo = Math.min(oldest.id + DELETE_CHUNK - 1, planned.throughId!);
        const result = await trx.deleteFrom('audit_log').where('id', '<=', upTo).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
      if (deleted === 0) break;
      removed += deleted;
    }
    await removeSearchKeys(store, planned.throughId, cutoffMs);
  }
  return {
    removed,
    throughId: planned.fresh || removed > 0 ? planned.throughId : null,
    cutoff: new Date(cutoffMs).toISOString(),
  };
}

/** Search keys visited per transaction while removing those of removed records. */
const SEARCH_KEYS_PER_TRANSACTION = 500;

/**
 * Removes the search keys of removed records, key by key: one seek to the next key, then its entries
 * older than the cutoff of records up to the checkpoint (a range of the key's own entries). The keys
 * have no index by record id on purpose: it cost the bulk key step half its time
 * (bench/audit/README.md). A removed record whose time is after the cutoff (a record with a later time than the
 * one the chain is cut after: an item window written once it closed) keeps its key until a later run's
 * cutoff passes that time (every run visits every key, test/audit/retention.test.ts); searches never
 * show it meanwhile, since they read the record itself.
 */
async function removeSearchKeys(store: Store, throughId: number, cutoffMs: number): Promise<void> {
  let after = '';
  for (let done = false; !done; ) {
    done = await store.writeTransaction(async (trx) => {
      for (let visited = 0; visited < SEARCH_KEYS_PER_TRANSACTION; visited++) {
        const next = await trx
          .selectFrom('audit_search_keys')
          .select('search_key')
          .where('search_key', '>', after)
          .orderBy('search_key')
          .limit(1)
          .executeTakeFirst();
        if (!next) return true;
        after = next.search_key;
        await trx
          .deleteFrom('audit_search_keys')
          .where('search_key', '=', after)
          .where('key_time', '<', cutoffMs)
          .where('record_id', '<=', throughId)
          .execute();
      }
      return false;
    });
  }
}
