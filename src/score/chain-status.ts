import type { Store } from '../store/index.js';
import type { ChainStatus, Reading, ScoreInputs } from './score-inputs.js';

/**
 * The audit chain walk grows with the audit log (about 6 ms per 1,000 records; see bench/score), not
 * with the org, so a report does not walk it every time: it reuses the last walk for up to a day.
 * The server's daily snapshot and every on-demand snapshot walk it afresh; a report with no walk of
 * the last day runs one. A broken chain therefore shows within a day, or at once on demand.
 */
export const CHAIN_WALK_MAX_AGE_MS = 24 * 3_600_000;
const FACT = 'audit.chain';

export async function chainStatus(
  deps: { store: Store; inputs: ScoreInputs; nowMs: number },
  fresh: boolean,
): Promise<Reading<ChainStatus>> {
  if (!fresh) {
    const row = await deps.store.db
      .selectFrom('score_cached_facts')
      .selectAll()
      .where('name', '=', FACT)
      .executeTakeFirst();
    const cached = row ? (JSON.parse(row.value) as Partial<ChainStatus>) : null;
    // A walk stored before it named the record it reached cannot say what it covered: walk again.
    if (row && cached && 'throughId' in cached && deps.nowMs - row.measured_at < CHAIN_WALK_MAX_AGE_MS)
      return { available: true, value: await withNewerRecords(deps.store, cached as ChainStatus) };
  }
  const walked = await deps.inputs.audit.verifyChain();
  if (!walked.available) return walked;
  const value: ChainStatus = { ...walked.value, verifiedAt: new Date(deps.nowMs).toISOString() };
  const text = JSON.stringify(value);
  await deps.store.writeTransaction((trx) =>
    trx
      .insertInto('score_cached_facts')
      .values({ name: FACT, value: text, measured_at: deps.nowMs })
      .onConflict((conflict) => conflict.column('name').doUpdateSet({ value: text, measured_at: deps.nowMs }))
      .execute(),
  );
  return { available: true, value: await withNewerRecords(deps.store, value) };
}

/**
 * How many records were appended after the walk: ids are consecutive (each is the previous + 1), so
 * the head's id minus the walk's last is the count, read from the primary key alone.
 */
async function withNewerRecords(store: Store, status: ChainStatus): Promise<ChainStatus> {
  if (!status.ok) return status;
  const head = await store.db
    .selectFrom('audit_log')
    .select('id')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const headId = head ? Number(head.id) : 0;
  return { ...status, newerRecords: Math.max(0, headId - (status.throughId ?? 0)) };
}
