import type { Clock } from '../runtime/clock.js';
import type { Executor, Store } from '../store/index.js';
import { appendRecords } from './append-records.js';
import type { AuditRecordInput } from './events.js';
import { type AlsoWithin, createGroupCommitter } from './group-commit.js';
import { type AuditSearchFilter, type AuditSearchPage, searchRecords } from './search-records.js';
import { type VerifyChainOutcome, verifyChain } from './verify-chain.js';

export interface AuditLog {
  /**
   * Commits a record that is not part of another state change (group commit); resolves once it is
   * durable. `alsoWithin` runs in the same transaction, for a small change that belongs with it.
   */
  append(input: AuditRecordInput, alsoWithin?: AlsoWithin): Promise<void>;
  /** Appends inside the caller's write transaction (from store.writeTransaction). */
  appendWithin(trx: Executor, inputs: readonly AuditRecordInput[]): Promise<void>;
  search(filter: AuditSearchFilter): Promise<AuditSearchPage>;
  verify(): Promise<VerifyChainOutcome>;
  flush(): Promise<void>;
}

export function createAuditLog(deps: { store: Store; clock: Clock }): AuditLog {
  const committer = createGroupCommitter(deps);
  return {
    append: (input, alsoWithin) => committer.append(input, alsoWithin),
    appendWithin: (trx, inputs) =>
      appendRecords(
        deps.store,
        trx,
        inputs.map((input) => ({ input, timeMs: deps.clock.nowMs() })),
      ),
    search: (filter) => searchRecords(deps.store.db, filter),
    verify: () => verifyChain(deps.store.db),
    flush: () => committer.flush(),
  };
}
