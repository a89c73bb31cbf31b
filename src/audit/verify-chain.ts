import type { Executor } from '../store/index.js';
import { GENESIS_HASH, hashAuditRow } from './hash-chain.js';

export type ChainProblem =
  | 'altered' // the record's content no longer matches its hash
  | 'missing' // ids jump: one or more records before this one were removed
  | 'relinked' // the record's previous hash is not the hash of the record before it (inserted or reordered)
  | 'unexpected-start'; // the first record is not id 1 on the genesis hash

export type VerifyChainOutcome =
  | { ok: true; recordsChecked: number; headId: number | null; headHash: string }
  | { ok: false; recordsChecked: number; brokenAtId: number; problem: ChainProblem; detail: string };

const PAGE_SIZE = 5000;

/** Walks the whole chain in id order, in pages, and names the first record that does not fit. */
export async function verifyChain(db: Executor): Promise<VerifyChainOutcome> {
  let previousId = 0;
  let previousHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', previousId)
      .orderBy('id', 'asc')
      .limit(PAGE_SIZE)
      .execute();
    for (const row of rows) {
      if (row.id !== previousId + 1) {
        const problem: ChainProblem = previousId === 0 ? 'unexpected-start' : 'missing';
        const detail = `expected record ${previousId + 1} after ${previousId}, found ${row.id}`;
        return { ok: false, recordsChecked: checked, brokenAtId: row.id, problem, detail };
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
