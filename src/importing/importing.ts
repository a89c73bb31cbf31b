import type { Actor } from '../audit/index.js';
import type { ImportEntry, ImportSource } from './entries.js';
import { describe } from './error-line.js';
import { openSource, sourceLabel } from './import-sources.js';
import type { ImportReport } from './report.js';
import { type ImportDeps, runImport } from './run-import.js';

export type ImportOutcome =
  | { ok: true; report: ImportReport }
  | {
      ok: false;
      code: 'source-unreadable';
      message: string;
      /** What was done before the source failed (each account whole); null when nothing was read. */
      report: ImportReport | null;
    };

class SourceReadError extends Error {}

/** The source's entries; an error while reading them is the source's, not the store's. */
async function* guarded(entries: AsyncIterable<ImportEntry>): AsyncGenerator<ImportEntry> {
  const iterator = entries[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<ImportEntry>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw new SourceReadError(describe(error));
    }
    if (next.done) return;
    yield next.value;
  }
}

/** Bringing another mail server's domains, users, password hashes and aliases into Mailwarden. */
export function createImporting(deps: ImportDeps) {
  return {
    async run(
      source: ImportSource,
      options: { dryRun: boolean; sync: boolean; actor: Actor },
    ): Promise<ImportOutcome> {
      const opened = await openSource(source);
      if (!opened.ok) return { ok: false, code: opened.code, message: opened.message, report: null };
      try {
        const report = await runImport(deps, guarded(opened.entries), {
          label: sourceLabel(source),
          defaultScheme: source.defaultScheme,
          ...options,
        });
        return { ok: true, report };
      } catch (error) {
        if (error instanceof SourceReadError)
          return {
            ok: false,
            code: 'source-unreadable',
            message: `the source could not be read to its end (nothing was disabled): ${error.message}`,
            report: null,
          };
        throw error;
      } finally {
        await opened.close().catch(() => {});
      }
    },
  };
}

export type Importing = ReturnType<typeof createImporting>;
