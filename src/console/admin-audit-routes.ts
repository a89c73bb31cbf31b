import { Hono } from 'hono';
import { type AuditRecord, type AuditSearchFilter, auditOperations } from '../audit/index.js';
import { adminGate, adminPage } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';
import { when } from './time.js';

/** How far back a search looks: the choices of the form, in hours (0: the whole log). */
const PERIODS: ReadonlyArray<{ hours: number; label: string }> = [
  { hours: 1, label: 'the last hour' },
  { hours: 24, label: 'the last 24 hours' },
  { hours: 24 * 7, label: 'the last 7 days' },
  { hours: 24 * 30, label: 'the last 30 days' },
  { hours: 0, label: 'everything kept' },
];
const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

/** The form's fields as a search filter; what cannot be read is left out and named. */
function readFilter(query: Record<string, string | undefined>, nowMs: number) {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = query[name]?.trim();
    return value ? value : undefined;
  };
  const operation = text('operation');
  if (operation && !(operation in auditOperations)) problems.push(`there is no operation "${operation}"`);
  const result = text('result');
  if (result && result !== 'success' && result !== 'failure')
    problems.push('the result is success or failure');
  const hours = Number(text('hours') ?? 24 * 7);
  const period = PERIODS.find((entry) => entry.hours === hours);
  if (!period) problems.push('choose a period from the list');
  const limit = Number(text('limit') ?? DEFAULT_PAGE);
  const before = text('before');
  const filter: AuditSearchFilter = {
    mailbox: text('mailbox')?.toLowerCase(),
    actor: text('actor'),
    clientIp: text('ip'),
    folder: text('folder'),
    ...(operation && operation in auditOperations ? { operations: [operation] } : {}),
    ...(result === 'success' || result === 'failure' ? { result } : {}),
    ...(period && period.hours > 0 ? { sinceMs: nowMs - period.hours * 3_600_000 } : {}),
    ...(before && /^\d+$/.test(before) ? { beforeId: Number(before) } : {}),
    limit: Number.isInteger(limit) && limit >= 1 ? Math.min(limit, MAX_PAGE) : DEFAULT_PAGE,
  };
  return { filter, hours: period?.hours ?? 24 * 7, problems };
}

/**
 * /admin/audit: the mailbox audit log for an investigation (what did the attacker read, move, delete,
 * forward?), newest first, a page at a time, with the counts per operation of the whole search.
 */
export function adminAuditRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const routes = new Hono<ConsoleEnv>();

  routes.get('/admin/audit', async (c) => {
    const session = adminGate(c);
    if (session instanceof Response) return session;
    const query = c.req.query();
    const { filter, hours, problems } = readFilter(query, deps.clock.nowMs());
    const { beforeId: _cursor, limit: _limit, ...whole } = filter;
    const [found, counts] = await Promise.all([
      deps.audit.search(filter),
      deps.audit.countByOperation(whole),
    ]);
    const next = new URLSearchParams(
      Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    if (found.nextCursor !== null) next.set('before', String(found.nextCursor));
    const field = (name: string, label: string) =>
      html`<label for="audit-${name}">${label}</label><input type="text" id="audit-${name}" name="${name}" value="${query[name] ?? ''}">`;
    return adminPage(
      c,
      deps,
      'Audit log',
      html`<section><form method="get" action="/admin/audit" id="audit-search">
            ${field('mailbox', 'Mailbox')}${field('actor', 'Actor')}${field('ip', 'Client IP')}${field('folder', 'Folder')}
            <label for="audit-operation">Operation</label>
            <select id="audit-operation" name="operation"><option value="">any</option>${Object.keys(
              auditOperations,
            ).map(
              (name) =>
                html`<option value="${name}" ${query['operation'] === name ? html`selected` : ''}>${name}</option>`,
            )}</select>
            <label for="audit-result">Result</label>
            <select id="audit-result" name="result">${['', 'success', 'failure'].map(
              (value) =>
                html`<option value="${value}" ${query['result'] === value ? html`selected` : ''}>${value || 'any'}</option>`,
            )}</select>
            <label for="audit-hours">Period</label>
            <select id="audit-hours" name="hours">${PERIODS.map(
              (period) =>
                html`<option value="${period.hours}" ${period.hours === hours ? html`selected` : ''}>${period.label}</option>`,
            )}</select>
            <button type="submit" id="audit-search-button">Search</button>
          </form></section>
          <section><h2>Found</h2>
            <p id="audit-counts">${
              Object.keys(counts).length === 0
                ? 'No records.'
                : Object.entries(counts)
                    .sort((a, b) => b[1] - a[1])
                    .map(([operation, count]) => `${operation} ${count}`)
                    .join(', ')
            }</p>
            ${recordsTable(found.records)}
            ${found.nextCursor !== null ? html`<p><a id="audit-next" href="/admin/audit?${next.toString()}">Older records</a></p>` : ''}
          </section>`,
      problems.length > 0 ? { kind: 'error', text: `Left out of the search: ${problems.join('; ')}.` } : null,
    );
  });

  return routes;
}

function recordsTable(records: readonly AuditRecord[]): SafeHtml {
  if (records.length === 0) return html``;
  return html`<table id="audit-records">
    <thead><tr><th>When</th><th>Operation</th><th>Mailbox</th><th>Actor</th><th>From</th><th>What</th></tr></thead>
    <tbody>${records.map(
      (record) => html`<tr class="audit-record" data-id="${record.id}">
        <td>${when(record.time)}</td>
        <td class="audit-operation">${record.operation}${record.result === 'failure' ? html` <strong>(failed)</strong>` : ''}</td>
        <td>${record.mailbox ?? '—'}</td>
        <td>${record.actor} (${record.logonType})</td>
        <td>${record.clientIp ?? '—'}${record.protocol ? ` · ${record.protocol}` : ''}</td>
        <td>${describe(record)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/**
 * What the record is about, in words: folders, items, the message, then each detail as a name and a
 * value (camelCase names spelled out, nested values in brief), so the column wraps like prose.
 */
function describe(record: AuditRecord): SafeHtml {
  const parts: string[] = [];
  if (record.folder)
    parts.push(record.destinationFolder ? `${record.folder} → ${record.destinationFolder}` : record.folder);
  if (record.itemIds) parts.push(`${record.itemIds.length} item${record.itemIds.length === 1 ? '' : 's'}`);
  if (record.subject) parts.push(`"${record.subject}"`);
  const details = Object.entries(record.details ?? {});
  return html`${parts.join(' · ')}${
    details.length > 0
      ? html`<ul class="details">${details.map(
          ([name, value]) => html`<li><span class="detail-name">${words(name)}</span> ${brief(value)}</li>`,
        )}</ul>`
      : ''
  }`;
}

/** revokeAppPasswords → revoke app passwords. */
function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}

const BRIEF_LENGTH = 160;

function brief(value: unknown): string {
  const text = plain(value, 0);
  return text.length > BRIEF_LENGTH ? `${text.slice(0, BRIEF_LENGTH)}…` : text;
}

/** A detail value as words: lists joined, objects as "name value" pairs, deeper levels elided. */
function plain(value: unknown, depth: number): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object') return String(value);
  if (depth >= 2) return '…';
  if (Array.isArray(value))
    return value
      .map((item) => plain(item, depth + 1))
      .join(value.some((item) => typeof item === 'object') ? '; ' : ', ');
  return Object.entries(value as Record<string, unknown>)
    .map(([key, inner]) => `${words(key)} ${plain(inner, depth + 1)}`)
    .join(', ');
}
