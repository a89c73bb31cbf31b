import type { ImportSection } from './entries.js';

/** At most this many entries of each section are named in a report; the counts are always whole. */
export const LISTED_PER_SECTION = 1000;

export type EntryOutcome = 'created' | 'updated' | 'unchanged' | 'skipped';

export interface ReportLine {
  name: string | null;
  outcome: EntryOutcome;
  /** Where the source holds it: "line 12", "mailbox row 3". */
  at?: string;
  /** What changed (created and updated entries). */
  changes?: string[];
  /** Why it was skipped, or why part of it was left as it is. */
  reason?: string;
}

export interface SectionReport {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** Created, updated and skipped entries, and unchanged ones with a note; at most LISTED_PER_SECTION. */
  entries: ReportLine[];
  /** Entries not named because the list was full. */
  entriesOmitted: number;
}

export interface ImportReport {
  source: string;
  dryRun: boolean;
  sync: boolean;
  domains: SectionReport;
  users: SectionReport & {
    /** Accounts imported without a usable password (an unknown or empty hash): they cannot sign in. */
    withoutPassword: string[];
  };
  aliases: SectionReport;
}

export function emptyReport(source: string, dryRun: boolean, sync: boolean): ImportReport {
  return {
    source,
    dryRun,
    sync,
    domains: emptySection(),
    users: { ...emptySection(), withoutPassword: [] },
    aliases: emptySection(),
  };
}

function emptySection(): SectionReport {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, entries: [], entriesOmitted: 0 };
}

export function record(report: ImportReport, section: ImportSection, line: ReportLine): void {
  const target = report[section];
  target[line.outcome] += 1;
  if (line.outcome === 'unchanged' && line.reason === undefined) return;
  if (target.entries.length < LISTED_PER_SECTION) target.entries.push(line);
  else target.entriesOmitted += 1;
}

/** The counts alone, for the audit record of a run. */
export function reportCounts(report: ImportReport) {
  const counts = (section: SectionReport) => ({
    created: section.created,
    updated: section.updated,
    unchanged: section.unchanged,
    skipped: section.skipped,
  });
  return {
    domains: counts(report.domains),
    users: { ...counts(report.users), withoutPassword: report.users.withoutPassword.length },
    aliases: counts(report.aliases),
  };
}
