import type { SecretBox } from '../runtime/secret-box.js';
import type { Executor } from '../store/index.js';
import { GENESIS_HASH, hashAuditRow } from './hash-chain.js';
import { checkpointText } from './retention.js';

export type ChainProblem =
  | 'altered' // the record's content no longer matches its hash
  | 'missing' // ids jump: one or more records before this one were removed
  | 'relinked' // the record's previous hash is not the hash of the record before it (inserted or reordered)
  | 'unexpected-start' // the first record is not id 1 on the genesis hash, and no checkpoint explains it
  | 'bad-checkpoint' // a retention checkpoint's signature does not open under secrets.key, or does not match it
  | 'checkpoint-mismatch' // the record a checkpoint names has another hash than the one it sealed
  | 'unsearchable'; // the chain is whole, but a search key of this record was removed (verify-search-keys.ts)

export type VerifyChainOutcome =
  | { ok: true; recordsChecked: number; headId: number | null; headHash: string }
  | { ok: false; recordsChecked: number; brokenAtId: number; problem: ChainProblem; detail: string };

const PAGE_SIZE = 5000;

/**
 * Walks the whole chain in id order, in pages, and names the first record that does not fit. Records
 * removed by retention are accounted for by signed checkpoints: the chain may start after one, on
 * the hash it sealed.
 */
export async function verifyChain(db: Executor, secrets: SecretBox): Promise<VerifyChainOutcome> {
  const checkpoints = new Map<number, string>();
  for (const checkpoint of await db
    .selectFrom('audit_checkpoint')
    .selectAll()
    .orderBy('through_id')
    .execute()) {
    const claim = {
      throughId: checkpoint.through_id,
      throughHash: checkpoint.through_hash,
      createdAt: checkpoint.created_at,
    };
    const opened = await secrets.open(checkpoint.signature).catch(() => null);
    if (opened !== checkpointText(claim)) {
      return {
        ok: false,
        recordsChecked: 0,
        brokenAtId: checkpoint.through_id,
        problem: 'bad-checkpoint',
        detail: `the retention checkpoint through record ${checkpoint.through_id} is not signed with this installation's key`,
      };
    }
    checkpoints.set(checkpoint.through_id, checkpoint.through_hash);
  }
  const coveredThrough = Math.max(0, ...checkpoints.keys());

  let previousId = 0;
  let previousHash = GENESIS_HASH;
  let checked = 0;
  let started = false;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', previousId)
      .orderBy('id', 'asc')
      .limit(PAGE_SIZE)
      .execute();
    for (const row of rows) {
      if (!started) {
        started = true;
        if (row.id !== 1) {
          const sealed = checkpoints.get(row.id - 1);
          if (row.id - 1 > coveredThrough) {
            const problem: ChainProblem = coveredThrough === 0 ? 'unexpected-start' : 'missing';
            const detail =
              coveredThrough === 0
                ? `expected record 1 first, found ${row.id}`
                : `expected record ${coveredThrough + 1} after the checkpoint through ${coveredThrough}, found ${row.id}`;
            return { ok: false, recordsChecked: checked, brokenAtId: row.id, problem, detail };
          }
          // Right after a checkpoint the chain resumes on its sealed hash; inside a range still being
          // removed, the first record's link cannot be checked, but the checkpoint's hash is, below.
          previousId = row.id - 1;
          previousHash = sealed ?? row.prev_hash;
        }
      }
      if (row.id !== previousId + 1) {
        const detail = `expected record ${previousId + 1} after ${previousId}, found ${row.id}`;
        return { ok: false, recordsChecked: checked, brokenAtId: row.id, problem: 'missing', detail };
      }
      if (row.prev_hash !== previousHash) {
        const detail = `record ${row.id} does not chain to record ${previousId}`;
        return { ok: false, recordsChecked: checked, brokenAtId: row.id, problem: 'relinked', detail };
      }
      const { hash, ...content } = row;
      if (hashAuditRow(content) !== hash) {
        const detail = `record ${row.id} (${row.operation}) was changed after it was written`;
        return { ok: false, recordsChecked: checked, brokenAtId: row.id, problem: 'altered', detail };
      }
      const sealed = checkpoints.get(row.id);
      if (sealed !== undefined && sealed !== hash) {
        const detail = `record ${row.id} is not the record the retention checkpoint sealed`;
        return {
          ok: false,
          recordsChecked: checked,
          brokenAtId: row.id,
          problem: 'checkpoint-mismatch',
          detail,
        };
      }
      previousId = row.id;
      previousHash = hash;
      checked += 1;
    }
    if (rows.length < PAGE_SIZE) break;
  }
  return {
    ok: true,
    recordsChecked: checked,
    headId: previousId === 0 ? null : previousId,
    headHash: previousHash,
  };
}
