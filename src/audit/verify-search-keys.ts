import { type Executor, firstRecordMissingKey, type SearchKeyKind } from '../store/index.js';
import type { VerifyChainOutcome } from './verify-chain.js';

/**
 * Records whose keys one query checks: as many as a page of the chain walk, so that on SQLite (whose
 * queries block the thread) no one check holds up the server for longer than a page does (~20 ms).
 */
const RECORDS_PER_CHECK = 5000;

const KEY_NAME: Record<SearchKeyKind, string> = { mailbox: 'its mailbox', clientIp: 'its client IP' };

/**
 * The search keys' half of `audit verify`, run once the chain itself verified. The hash chain proves
 * the records are whole, but a search by mailbox or client IP finds a record through its search key
 * (migration 013): a key deleted by someone with database access would hide the record from those
 * searches while the chain stays intact. Every record the keys claim to cover (id up to
 * audit_search_state) must have the key of its mailbox and of its client IP. A forged extra key hides
 * nothing: a search reads the record and checks the filter against its own columns.
 */
export async function verifySearchKeys(
  db: Executor,
  chain: Extract<VerifyChainOutcome, { ok: true }>,
): Promise<VerifyChainOutcome> {
  if (chain.headId === null) return chain;
  const state = await db.selectFrom('audit_search_state').select('through_id').executeTakeFirst();
  // Without the state row nothing counts as keyed: searches read every record by id.
  const keyedThrough = Math.min(Number(state?.through_id ?? 0), chain.headId);
  const oldest = await db.selectFrom('audit_log').select('id').orderBy('id').limit(1).executeTakeFirst();
  for (let after = Number(oldest?.id ?? 1) - 1; after < keyedThrough; after += RECORDS_PER_CHECK) {
    const missing = await firstRecordMissingKey(db, after, Math.min(after + RECORDS_PER_CHECK, keyedThrough));
    if (!missing) continue;
    const record = await db
      .selectFrom('audit_log')
      .select(['operation', 'mailbox', 'client_ip'])
      .where('id', '=', missing.id)
      .executeTakeFirstOrThrow();
    const value = missing.kind === 'mailbox' ? record.mailbox : record.client_ip;
    return {
      ok: false,
      recordsChecked: chain.recordsChecked,
      brokenAtId: missing.id,
      problem: 'unsearchable',
      detail: `record ${missing.id} (${record.operation}) lost the search key of ${KEY_NAME[missing.kind]} (${value}): searches by it would not show the record`,
    };
  }
  return chain;
}
