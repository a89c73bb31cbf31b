import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { csvFileEntries } from './csv-file.js';
import { type ImportEntry, type ImportSource, SQL_PRESETS, type SqlPreset } from './entries.js';
import { describe } from './error-line.js';
import { passwdFileEntries } from './passwd-file.js';

/** A file's lines, read as a stream: memory does not grow with the file. */
async function* fileLines(file: string): AsyncGenerator<string> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  try {
    yield* createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  } finally {
    stream.destroy();
  }
}

async function* textLines(text: string): AsyncGenerator<string> {
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    if (end < 0) {
      if (start < text.length) yield text.slice(start);
      return;
    }
    yield text.slice(start, end);
    start = end + 1;
  }
}

/** The name an import's accounts carry in users.imported_from; a sync matches accounts by it. */
export function sourceLabel(source: ImportSource): string {
  if (source.kind === 'sql') return `sql:${source.preset}:${redactUrl(source.url)}`;
  if ('file' in source) return `${source.kind}:${path.resolve(source.file)}`;
  return `${source.kind}:api`;
}

/** A URL without its password, for labels and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    for (const name of [...parsed.searchParams.keys()])
      if (/password$/i.test(name)) parsed.searchParams.delete(name);
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

export type OpenedSource =
  | { ok: true; entries: AsyncIterable<ImportEntry>; close(): Promise<void> }
  | { ok: false; code: 'source-unreadable'; message: string };

export async function openSource(source: ImportSource): Promise<OpenedSource> {
  if (source.kind === 'sql') {
    // The SQL drivers (mysql2, pg) are loaded by the first SQL import, not by every `serve` worker.
    const { openSqlSource, sqlEntries } = await import('./sql-source.js');
    const opened = await openSqlSource(source.url);
    if (!opened.ok) return { ok: false, code: 'source-unreadable', message: opened.message };
    return {
      ok: true,
      entries: sqlEntries(opened.reader, source.preset),
      close: () => opened.reader.close(),
    };
  }
  const parse = source.kind === 'csv' ? csvFileEntries : passwdFileEntries;
  if ('text' in source) return { ok: true, entries: parse(textLines(source.text)), close: async () => {} };
  // Opened first so that a missing or unreadable file is a refusal before anything is written.
  const opened = await new Promise<Error | null>((resolve) => {
    const probe = createReadStream(source.file);
    probe.on('open', () => {
      probe.destroy();
      resolve(null);
    });
    probe.on('error', resolve);
  });
  if (opened)
    return {
      ok: false,
      code: 'source-unreadable',
      message: `${source.file} cannot be read: ${describe(opened)}`,
    };
  return { ok: true, entries: parse(fileLines(source.file)), close: async () => {} };
}

/**
 * The `import.source` configuration value: `dovecot-passwd:/etc/dovecot/users`, `csv:/path/users.csv`
 * or `sql:<preset>:<url>` (sql:mailcow:mysql://user:pass@host/mailcow).
 */
export function parseSourceSetting(
  value: string,
  defaultScheme?: string | null,
): { ok: true; source: ImportSource } | { ok: false; message: string } {
  const scheme = defaultScheme ?? undefined;
  const match = /^(dovecot-passwd|csv|sql):(.+)$/.exec(value.trim());
  if (!match)
    return { ok: false, message: 'expected dovecot-passwd:<file>, csv:<file> or sql:<preset>:<url>' };
  const [, kind, rest] = match as unknown as [string, string, string];
  if (kind === 'sql') {
    const colon = rest.indexOf(':');
    const preset = rest.slice(0, colon);
    if (colon < 0 || !(SQL_PRESETS as readonly string[]).includes(preset))
      return { ok: false, message: `sql:<preset>:<url> with a preset of ${SQL_PRESETS.join(', ')}` };
    return {
      ok: true,
      source: { kind: 'sql', preset: preset as SqlPreset, url: rest.slice(colon + 1), defaultScheme: scheme },
    };
  }
  if (!rest.startsWith('/')) return { ok: false, message: `${kind}:<file> names an absolute path` };
  return { ok: true, source: { kind: kind as 'csv' | 'dovecot-passwd', file: rest, defaultScheme: scheme } };
}
