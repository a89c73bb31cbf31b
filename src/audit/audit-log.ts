import type { Clock } from '../runtime/clock.js';
import { type Logger, silentLogger } from '../runtime/logger.js';
import type { SecretBox } from '../runtime/secret-box.js';
import { type Executor, SEARCH_KEYS_EVERY, type Store } from '../store/index.js';
import {
  type AnchorHeadOutcome,
  type AnchoringOptions,
  createAnchoring,
  type HeadCheck,
} from './anchoring.js';
import { appendRecords, type SealedRecord, sealRecord } from './append-records.js';
import type { Actor, AuditRecord, AuditRecordInput } from './events.js';
import { type AuditExportFormat, exportLines, exportRecords } from './export-records.js';
import { type AlsoWithin, createGroupCommitter } from './group-commit.js';
import { type IngestCursor, ingestInProcess, ingestOnThread, readCursor } from './ingest-writer.js';
import { closeDueWindows, type IngestStep, ITEM_WINDOW_MS } from './item-windows.js';
import {
  createMailboxSettings,
  type MailboxAuditCoverage,
  type MailboxAuditSetting,
  type SetMailboxAuditOutcome,
} from './mailbox-settings.js';
import { type PruneOutcome, pruneRecords } from './retention.js';
import {
  type AuditSearchFilter,
  type AuditSearchPage,
  countByOperation,
  searchRecords,
} from './search-records.js';
import { type VerifyChainOutcome, verifyChain } from './verify-chain.js';
import { verifySearchKeys } from './verify-search-keys.js';

/**
 * Records keyed per transaction by the quiet-time timer: about 30 ms of the main thread each on
 * SQLite, so a log that a burst left with 50,000 records without keys catches up in small steps.
 */
const QUIET_KEYS_PER_TRANSACTION = 5000;

export interface AuditLog {
  /**
   * Commits a record that is not part of another state change (group commit); resolves once it is
   * durable. `alsoWithin` runs in the same transaction, for a small change that belongs with it.
   */
  append(input: AuditRecordInput, alsoWithin?: AlsoWithin): Promise<void>;
  /** Appends inside the caller's write transaction (from store.writeTransaction). */
  appendWithin(trx: Executor, inputs: readonly AuditRecordInput[]): Promise<void>;
  /**
   * Commits the steps of a mailbox-event source (Dovecot) in event order, group-committed; resolves
   * once everything they gathered or produced is durable.
   */
  ingest(steps: readonly IngestStep[], options?: { cursor?: IngestCursor }): Promise<void>;
  /** Where a source's ingest stands (the position committed with its last records), or null. */
  ingestCursor(source: string): Promise<string | null>;
  /**
   * Writes the records of item windows opened before this time (default: the window length ago) and
   * of sessions that ended more than SESSION_END_GRACE_MS ago.
   */
  closeItemWindows(openedBeforeMs?: number): Promise<number>;
  /**
   * Writes the search keys of every record still without them, QUIET_KEYS_PER_TRANSACTION at a time
   * (the server's 15-second timer). Under load the writers do it every SEARCH_KEYS_EVERY records;
   * this keeps the records a keyed search reads by id few when the log is quiet. Returns how many.
   */
  writeSearchKeys(): Promise<number>;
  search(filter: AuditSearchFilter): Promise<AuditSearchPage>;
  /** Matching records per operation (filter as in search; the cursor and limit are ignored). */
  countByOperation(filter: AuditSearchFilter): Promise<Record<string, number>>;
  /** Every matching record, newest first, in constant memory. */
  export(filter: AuditSearchFilter): AsyncGenerator<AuditRecord>;
  /** The export as CSV (RFC 4180, header first) or JSON Lines text chunks. */
  exportText(filter: AuditSearchFilter, format: AuditExportFormat): AsyncGenerator<string>;
  /** Walks the chain against the checkpoints and the anchors, then checks the search keys. */
  verify(): Promise<VerifyChainOutcome>;
  /** The chain's head anchored outside the database (anchoring.ts). */
  anchors: {
    /** Whether the database's head is still at or after the newest anchor this process knows. */
    checkHead(): Promise<HeadCheck>;
    /** Anchors the committed head if it moved since the newest anchor this process knows. */
    anchorHead(request?: { ensureAppendOnly?: boolean }): Promise<AnchorHeadOutcome>;
    /** This process committed records since it last anchored (a CLI command anchors as it closes). */
    movedSinceAnchor(): boolean;
  };
  /** Removes records older than the retention period, behind a signed checkpoint; audited. */
  prune(options: { retentionDays: number; actor: Actor }): Promise<PruneOutcome>;
  setMailboxAudit(mailbox: string, enabled: boolean, actor: Actor): Promise<SetMailboxAuditOutcome>;
  getMailboxAudit(mailbox: string): Promise<MailboxAuditSetting>;
  /** Mailboxes with auditing turned off. */
  listMailboxAuditOff(): Promise<MailboxAuditSetting[]>;
  /** Active users' mailboxes, and how many of them are audited (Secure Score). */
  mailboxAuditCoverage(): Promise<MailboxAuditCoverage>;
  flush(): Promise<void>;
  /** Flushes and stops the ingest thread; the store stays open (its owner closes it). */
  close(): Promise<void>;
}

export interface AuditLogDeps {
  store: Store;
  clock: Clock;
  /** Seals retention checkpoints (secrets.key); verify needs the same key. */
  secrets: SecretBox;
  /** For what goes wrong off the callers' paths (the ingest's WAL checkpointer, anchor copies). */
  logger?: Logger;
  /** Where the chain's head is anchored outside the database, and with which key. */
  anchoring: AnchoringOptions;
  /**
   * Told of the records this process committed, after the commit (never of a rolled-back one): the
   * metrics count lockouts, restrictions and the ingest rate from them. Must not throw.
   */
  onRecorded?: (records: readonly RecordedOperation[]) => void;
}

/** A committed record as onRecorded sees it: its operation and, for appends, its details. */
export interface RecordedOperation {
  operation: AuditRecordInput['operation'];
  details?: Readonly<Record<string, unknown>> | null;
}

export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const onRecorded = deps.onRecorded;
  const settings = createMailboxSettings(deps);
  const keep = (trx: Executor, records: SealedRecord[]): Promise<SealedRecord[]> =>
    settings.keep(trx, records);
  const committer = createGroupCommitter({ ...deps, keep });
  const { secondConnection } = deps.store;
  // SQLite: Dovecot ingests commit on a thread of their own (ingest-writer.ts); PostgreSQL's on this one.
  const ingestWriter = secondConnection
    ? ingestOnThread({
        connection: secondConnection,
        onCheckpointerFailure: (error) =>
          deps.logger?.warn('the audit ingest WAL checkpointer failed; the ingest goes on, slower', {
            error,
          }),
      })
    : ingestInProcess(committer);
  const anchoring = createAnchoring({
    db: deps.store.db,
    clock: deps.clock,
    logger: deps.logger ?? silentLogger,
    options: deps.anchoring,
  });
  let moved = false;
  const moving = <T>(work: Promise<T>): Promise<T> => {
    moved = true;
    return work;
  };
  return {
    append: (input, alsoWithin) =>
      moving(committer.submit({ records: [{ input, timeMs: deps.clock.nowMs() }], alsoWithin })).then(() =>
        onRecorded?.([input]),
      ),
    async appendWithin(trx, inputs) {
      moved = true;
      const now = deps.clock.nowMs();
      const records = await keep(
        trx,
        inputs.map((input) => sealRecord({ input, timeMs: now })),
      );
      await appendRecords(deps.store, trx, records);
      if (onRecorded) deps.store.afterCommit(trx, () => onRecorded(inputs));
    },
    ingest: (steps, options = {}) =>
      moving(ingestWriter.write(options.cursor ? { steps, cursor: options.cursor } : { steps })).then(() => {
        if (onRecorded) onRecorded(ingestedOperations(steps));
      }),
    ingestCursor: (source) => readCursor(deps.store.db, source),
    async closeItemWindows(openedBeforeMs = deps.clock.nowMs() - ITEM_WINDOW_MS) {
      moved = true;
      let total = 0;
      for (;;) {
        let written = 0;
        await committer.submit({
          records: [],
          build: async (trx) => {
            const records = await closeDueWindows(trx, openedBeforeMs, deps.clock.nowMs());
            written = records.length;
            return records;
          },
        });
        total += written;
        if (written < 1000) return total;
      }
    },
    async writeSearchKeys() {
      const { store } = deps;
      let total = 0;
      // The writers leave fewer than SEARCH_KEYS_EVERY without keys: this many rounds catch up with
      // them unless records keep coming, and then the writers key them.
      for (let round = 0; round < SEARCH_KEYS_EVERY / QUIET_KEYS_PER_TRANSACTION; round++) {
        const keyed = await store.writeTransaction(async (trx) => {
          const head = await store.auditRows.head(trx);
          return head ? store.auditRows.indexSearchKeys(trx, head.id, 1, QUIET_KEYS_PER_TRANSACTION) : 0;
        });
        total += keyed;
        if (keyed < QUIET_KEYS_PER_TRANSACTION) break;
      }
      return total;
    },
    search: (filter) => searchRecords(deps.store.db, filter),
    countByOperation: (filter) => countByOperation(deps.store.db, filter),
    export: (filter) => exportRecords(deps.store.db, filter),
    exportText: (filter, format) => exportLines(deps.store.db, filter, format),
    async verify() {
      const read = await anchoring.readAnchors();
      if (!read.ok)
        return {
          ok: false,
          recordsChecked: 0,
          brokenAtId: read.headId,
          problem: 'bad-anchor',
          detail: read.detail,
        };
      const chain = await verifyChain(deps.store.db, deps.secrets, read.anchors);
      return chain.ok ? verifySearchKeys(deps.store.db, chain) : chain;
    },
    anchors: {
      checkHead: () => anchoring.checkHead(),
      async anchorHead(request) {
        moved = false;
        try {
          return await anchoring.anchorHead(request);
        } catch (error) {
          moved = true;
          throw error;
        }
      },
      movedSinceAnchor: () => moved,
    },
    prune: (options) => moving(pruneRecords(deps, options)),
    setMailboxAudit: (mailbox, enabled, actor) => settings.set(mailbox, enabled, actor),
    getMailboxAudit: (mailbox) => settings.get(mailbox),
    listMailboxAuditOff: () => settings.listDisabled(),
    mailboxAuditCoverage: () => settings.coverage(),
    async flush() {
      await ingestWriter.flush();
      await committer.flush();
    },
    async close() {
      await ingestWriter.close();
      await committer.flush();
    },
  };
}

/** The records an ingest wrote itself (item windows close later, through closeItemWindows). */
function ingestedOperations(steps: readonly IngestStep[]): RecordedOperation[] {
  const operations: RecordedOperation[] = [];
  for (const step of steps)
    if (step.kind === 'sealed') operations.push({ operation: step.record.operation });
    else if (step.kind === 'record' || step.kind === 'close')
      operations.push({ operation: step.record.input.operation });
  return operations;
}
