import { promises as fs } from 'node:fs';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import { keyFrom, readOrCreateKeyFile } from '../runtime/secret-box.js';
import type { Executor } from '../store/index.js';
import { createAnchorCopies } from './anchor-copies.js';
import { appendAnchorLine, makeAppendOnly, readAnchorLines, readLastAnchorLines } from './anchor-file.js';
import { type AuditAnchor, formatAnchorLine, parseAnchorLine, type ReadAnchor } from './anchor-line.js';

export interface AnchoringOptions {
  /** Whether this process writes anchors (verify reads the file either way). */
  enabled: boolean;
  /** The anchor lines (JSON Lines, appended only). */
  file: string;
  /** The HMAC key, 32 bytes base64, created with mode 0600 on first use; never in the database. */
  keyFile: string;
  syslog: boolean;
  webhookUrl: string | null;
}

export type ReadAnchorsOutcome =
  | { ok: true; anchors: ReadAnchor[] }
  | { ok: false; lineNumber: number; headId: number; detail: string };

/** The head the database holds now compared with the newest anchor this process knows. */
export type HeadCheck =
  | { ok: true }
  | {
      ok: false;
      code: 'head-moved-backwards';
      anchor: AuditAnchor;
      /** The head found (null: the log is empty). */
      head: { id: number; hash: string } | null;
      /** The first record the anchor proves existed that is no longer the one anchored. */
      firstMissingId: number;
      detail: string;
    };

export type AnchorHeadOutcome =
  | { written: true; anchor: AuditAnchor }
  | { written: false; reason: 'disabled' | 'empty' | 'unchanged' };

/**
 * Anchoring the audit chain's head outside the database. Whoever commits records anchors: the
 * server every audit.anchorIntervalSeconds while the head moves, and a CLI process that wrote records
 * when it closes, both appending to the same file (anchor-file.ts). Each compares the database's head
 * with the newest anchor it knows before it writes one, so a cut is reported rather than anchored over.
 */
export function createAnchoring(deps: {
  db: Executor;
  clock: Clock;
  logger: Logger;
  options: AnchoringOptions;
}) {
  const { options, logger } = deps;
  const copies = createAnchorCopies(options, logger);
  let key: Promise<Buffer> | null = null;
  /** The newest anchor this process knows: read from the file's end once, then each one it writes. */
  let reference: Promise<AuditAnchor | null> | null = null;
  let appendOnlyChecked = false;

  const writingKey = (): Promise<Buffer> => {
    if (key) return key;
    const loading = readOrCreateKeyFile(options.keyFile);
    loading.catch(() => {
      if (key === loading) key = null;
    });
    key = loading;
    return loading;
  };

  /** The key without creating it: verify has nothing to check against a key that never existed. */
  const existingKey = async (): Promise<Buffer | null> => {
    try {
      return keyFrom(options.keyFile, await fs.readFile(options.keyFile, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  };

  const loadReference = async (): Promise<AuditAnchor | null> => {
    const lines = await readLastAnchorLines(options.file);
    if (!lines || lines.length === 0) return null;
    const signing = await writingKey();
    // The last line written is the state the previous writer saw; a line that does not verify is
    // skipped here (verify names it) rather than trusted.
    for (let index = lines.length - 1; index >= 0; index--) {
      const parsed = parseAnchorLine(signing, lines[index]!);
      if (parsed.ok) return parsed.anchor;
      logger.warn('an audit anchor line does not verify; audit verify names it', {
        file: options.file,
        reason: parsed.reason,
      });
    }
    return null;
  };

  const currentReference = (): Promise<AuditAnchor | null> => {
    if (reference) return reference;
    const loading = loadReference();
    loading.catch(() => {
      if (reference === loading) reference = null;
    });
    reference = loading;
    return loading;
  };

  async function committedHead(): Promise<{ id: number; hash: string } | null> {
    const row = await deps.db
      .selectFrom('audit_log')
      .select(['id', 'hash'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { id: Number(row.id), hash: row.hash } : null;
  }

  async function coveredThrough(): Promise<number> {
    const row = await deps.db
      .selectFrom('audit_checkpoint')
      .select((eb) => eb.fn.max('through_id').as('id'))
      .executeTakeFirst();
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
  }

  async function reportAppendOnly(): Promise<void> {
    const appendOnly = await makeAppendOnly(options.file);
    if (appendOnly.ok) logger.info('the audit anchor file is append-only', { file: options.file });
    else
      logger.warn(
        'the audit anchor file is not append-only (chattr +a failed): whoever runs as this user can rewrite it; run `chattr +a` on it once as root',
        { file: options.file, reason: appendOnly.reason },
      );
  }

  return {
    async checkHead(): Promise<HeadCheck> {
      if (!options.enabled) return { ok: true };
      const anchor = await currentReference();
      if (!anchor) return { ok: true };
      const covered = await coveredThrough();
      // Records behind a retention checkpoint were removed on purpose, under a signature of their own.
      if (anchor.headId <= covered) return { ok: true };
      const head = await committedHead();
      const at = new Date(anchor.atMs).toISOString();
      if (!head || head.id < anchor.headId) {
        const firstMissingId = Math.max(head?.id ?? 0, covered) + 1;
        return {
          ok: false,
          code: 'head-moved-backwards',
          anchor,
          head,
          firstMissingId,
          detail: `records ${firstMissingId}…${anchor.headId} missing after the anchor of ${at}: the log ends at ${head ? `record ${head.id}` : 'no record'}`,
        };
      }
      const anchored = await deps.db
        .selectFrom('audit_log')
        .select('hash')
        .where('id', '=', anchor.headId)
        .executeTakeFirst();
      if (anchored?.hash === anchor.headHash) return { ok: true };
      return {
        ok: false,
        code: 'head-moved-backwards',
        anchor,
        head,
        firstMissingId: anchor.headId,
        detail: `record ${anchor.headId} is not the record anchored at ${at}: the log was cut back and written on`,
      };
    },

    /**
     * Anchors the committed head unless the newest anchor this process knows already names it. The
     * file is made append-only when this creates it, and on the first write of a process that asks
     * (the server, so that its log says at every start whether the file is protected).
     */
    async anchorHead(request: { ensureAppendOnly?: boolean } = {}): Promise<AnchorHeadOutcome> {
      if (!options.enabled) return { written: false, reason: 'disabled' };
      const head = await committedHead();
      const known = await currentReference();
      let outcome: AnchorHeadOutcome;
      let created = false;
      let line = '';
      if (!head) outcome = { written: false, reason: 'empty' };
      else if (known && known.headId === head.id && known.headHash === head.hash)
        outcome = { written: false, reason: 'unchanged' };
      else {
        const anchor: AuditAnchor = { atMs: deps.clock.nowMs(), headId: head.id, headHash: head.hash };
        line = formatAnchorLine(await writingKey(), anchor);
        ({ created } = await appendAnchorLine(options.file, line));
        reference = Promise.resolve(anchor);
        outcome = { written: true, anchor };
      }
      if (created || (request.ensureAppendOnly && !appendOnlyChecked && (known || created))) {
        appendOnlyChecked = true;
        await reportAppendOnly();
      }
      if (line) await copies.send(line);
      return outcome;
    },

    /** Every anchor in the file, each checked against the key; the first that is not one is named. */
    async readAnchors(): Promise<ReadAnchorsOutcome> {
      const lines = await readAnchorLines(options.file);
      if (!lines) return { ok: true, anchors: [] };
      const nonEmpty = lines.findIndex((line) => line.trim() !== '');
      if (nonEmpty < 0) return { ok: true, anchors: [] };
      const checking = await existingKey();
      if (!checking)
        return {
          ok: false,
          lineNumber: nonEmpty + 1,
          headId: 0,
          detail: `the anchor key ${options.keyFile} is missing, so the anchors in ${options.file} cannot be checked (restore the key from a backup)`,
        };
      const anchors: ReadAnchor[] = [];
      for (let index = 0; index < lines.length; index++) {
        const text = lines[index]!;
        if (text.trim() === '') continue;
        const parsed = parseAnchorLine(checking, text);
        if (!parsed.ok) {
          const claimed = /"headId":(\d+)/.exec(text);
          return {
            ok: false,
            lineNumber: index + 1,
            headId: claimed ? Number(claimed[1]) : 0,
            detail: `line ${index + 1} of the anchor file ${options.file} ${parsed.reason}`,
          };
        }
        anchors.push({ ...parsed.anchor, lineNumber: index + 1 });
      }
      return { ok: true, anchors };
    },
  };
}

export type AuditAnchoring = ReturnType<typeof createAnchoring>;
