import type { Executor } from '../store/index.js';
import type { AuditRecord } from './events.js';
import { type AuditSearchFilter, searchRecords } from './search-records.js';

export type AuditExportFormat = 'csv' | 'jsonl';

const EXPORT_PAGE = 1000;

/**
 * Every matching record, newest first, read a page at a time along the search index (keyset
 * paging), so memory stays constant however many millions match.
 */
export async function* exportRecords(db: Executor, filter: AuditSearchFilter): AsyncGenerator<AuditRecord> {
  let beforeId = filter.beforeId;
  for (;;) {
    const page = await searchRecords(db, { ...filter, beforeId, limit: EXPORT_PAGE });
    yield* page.records;
    if (page.nextCursor === null) return;
    beforeId = page.nextCursor;
  }
}

export const csvColumns = [
  'id',
  'time',
  'operation',
  'result',
  'mailbox',
  'actor',
  'logonType',
  'clientIp',
  'protocol',
  'clientInfo',
  'sessionId',
  'folder',
  'destinationFolder',
  'itemIds',
  'messageId',
  'subject',
  'details',
  'hash',
] as const satisfies ReadonlyArray<keyof AuditRecord>;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; lines end in CRLF. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    typeof value === 'string' ? value : Array.isArray(value) ? value.join(' ') : JSON.stringify(value);
  // A leading = + - @ makes spreadsheets evaluate the cell (OWASP CSV injection); a quote disarms it.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${csvColumns.join(',')}\r\n`;
}

export function toCsvLine(record: AuditRecord): string {
  return `${csvColumns.map((column) => csvField(record[column])).join(',')}\r\n`;
}

export function toJsonLine(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** The export as text chunks (header first for CSV), for a stream to write out with backpressure. */
export async function* exportLines(
  db: Executor,
  filter: AuditSearchFilter,
  format: AuditExportFormat,
): AsyncGenerator<string> {
  if (format === 'csv') yield csvHeader();
  const toLine = format === 'csv' ? toCsvLine : toJsonLine;
  let chunk = '';
  for await (const record of exportRecords(db, filter)) {
    chunk += toLine(record);
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
