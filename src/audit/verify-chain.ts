import type { SecretBox } from '../runtime/secret-box.js';
import type { Executor } from '../store/index.js';
import type { ReadAnchor } from './anchor-line.js';
import { GENESIS_HASH, hashAuditRow } from './hash-chain.js';
import { checkpointText } from './retention.js';

export type ChainProblem =
  | 'altered' // the record's content no longer matches its hash
  | 'missing' // ids jump: one or more records before this one were removed
  | 'relinked' // the record's previous hash is not the hash of the record before it (inserted or reordered)
  | 'unexpected-start' // the first record is not id 1 on the genesis hash, and no checkpoint explains it
  | 'bad-checkpoint' // a retention checkpoint's signature does not open under secrets.key, or does not match it
  | 'checkpoint-mismatch' // the record a checkpoint names has another hash than the one it sealed
  | 'unsearchable' // the chain is whole, but a search key of this record was removed (verify-search-keys.ts)
  | 'cut' // records an anchor proves existed are gone from the end of the log (or were written over)
  | 'bad-anchor'; // a line of the anchor file is not signed with the anchor key (forged or altered)

/** What the anchors outside the database vouched for. */
export interface AnchorsChecked {
  checked: number;
  /** The newest record an anchor names, and when that anchor was made (null: no anchors yet). */
  throughId: number | null;
  newestAt: string | null;
}

export type VerifyChainOutcome =
  | {
      ok: true;
      recordsChecked: number;
      headId: number | null;
      headHash: string;
      anchors: AnchorsChecked;
    }
  | { ok: false; recordsChecked: number; brokenAtId: number; problem: ChainProblem; detail: string };

const PAGE_SIZE = 5000;

/**
 * Walks the whole chain in id order, in pages, and names the first record that does not fit. Records
 * removed by retention are accounted for by signed checkpoints: the chain may start after one, on
 * the hash it sealed. Anchors (already checked against their key) say where the head was: every
 * record one names must still be there with the hash it named, so records cut from the end are named
 * even when new ones were chained onto the shortened tail.
 */
export async function verifyChain(
  db: Executor,
  secrets: SecretBox,
  anchors: readonly ReadAnchor[] = [],
): Promise<VerifyChainOutcome> {
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
  // Anchors of records behind a checkpoint name records retention removed on purpose.
  const anchorsById = new Map<number, ReadAnchor[]>();
  let newest: ReadAnchor | null = null;
  for (const anchor of anchors) {
    if (
      newest === null ||
      anchor.headId > newest.headId ||
      (anchor.headId === newest.headId && anchor.atMs < newest.atMs)
    )
      newest = anchor;
    if (anchor.headId <= coveredThrough) continue;
    const same = anchorsById.get(anchor.headId);
    if (same) same.push(anchor);
    else anchorsById.set(anchor.headId, [anchor]);
  }
  /** Anchors whose record is still the one they named. */
  const agreeing: ReadAnchor[] = [];
  // The newest record an anchor made no later than `reference` vouches for: records up to it were
  // there, unchanged, when `reference` was made. (An anchor made after a cut vouches only for the
  // shortened log.)
  const vouchedBefore = (reference: ReadAnchor) =>
    agreeing.reduce(
      (newestId, anchor) => (anchor.atMs <= reference.atMs ? Math.max(newestId, anchor.headId) : newestId),
      coveredThrough,
    );

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
      for (const anchor of anchorsById.get(row.id) ?? []) {
        if (anchor.headHash === hash) {
          agreeing.push(anchor);
          continue;
        }
        // This record took the id of one the anchor saw: it and maybe some before it were written
        // after a cut, chained onto the shortened end.
        const written = await firstWrittenAfter(db, anchor, vouchedBefore(anchor), row.id + 1);
        return cutOutcome(db, anchors, anchor, Math.min(written, row.id), checked);
      }
      previousId = row.id;
      previousHash = hash;
      checked += 1;
    }
    if (rows.length < PAGE_SIZE) break;
  }
  const headId = previousId === 0 ? null : previousId;
  const endsAt = Math.max(previousId, coveredThrough);
  if (newest && newest.headId > endsAt) {
    // The log ends before a record an anchor saw. Records chained onto the shortened end since carry
    // ids the anchor vouched for, but were written after it.
    const written = await firstWrittenAfter(db, newest, vouchedBefore(newest), endsAt + 1);
    return cutOutcome(db, anchors, newest, Math.min(written, endsAt + 1), checked);
  }
  return {
    ok: true,
    recordsChecked: checked,
    headId,
    headHash: previousHash,
    anchors: {
      checked: anchors.length,
      throughId: newest?.headId ?? null,
      newestAt: newest ? new Date(newest.atMs).toISOString() : null,
    },
  };
}

/**
 * The first record after the last one an anchor vouched for, up to `beforeId` (exclusive), whose
 * time is later than `anchor`'s: the anchor proves its id was already taken then, so it replaced a
 * cut record. `beforeId` when there is none.
 */
async function firstWrittenAfter(
  db: Executor,
  anchor: ReadAnchor,
  afterId: number,
  beforeId: number,
): Promise<number> {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.min('id').as('id'))
    .where('id', '>', afterId)
    .where('id', '<', beforeId)
    .where('time', '>', anchor.atMs)
    .executeTakeFirst();
  return row?.id === null || row?.id === undefined ? beforeId : Number(row.id);
}

/**
 * "records N…M missing after the anchor of <time>": N the first record that is gone, M the newest
 * record an anchor made before the cut saw (an anchor made before N's replacement was written, or
 * `revealing`, the anchor that showed the cut), and which records now stand in their place.
 */
async function cutOutcome(
  db: Executor,
  anchors: readonly ReadAnchor[],
  revealing: ReadAnchor,
  firstMissingId: number,
  recordsChecked: number,
): Promise<VerifyChainOutcome> {
  const replacement = await db
    .selectFrom('audit_log')
    .select('time')
    .where('id', '=', firstMissingId)
    .executeTakeFirst();
  let witness = revealing;
  for (const anchor of anchors) {
    if (replacement && anchor.atMs >= replacement.time) continue;
    if (anchor.headId > witness.headId || (anchor.headId === witness.headId && anchor.atMs < witness.atMs))
      witness = anchor;
  }
  let detail = `records ${firstMissingId}…${witness.headId} missing after the anchor of ${new Date(witness.atMs).toISOString()} (line ${witness.lineNumber} of the anchor file)`;
  if (replacement) {
    const head = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    const last = Math.min(Number(head?.id ?? firstMissingId), witness.headId);
    detail += `; records ${firstMissingId}…${last} now in the log were written after it, chained onto what was left`;
  }
  return { ok: false, recordsChecked, brokenAtId: firstMissingId, problem: 'cut', detail };
}
