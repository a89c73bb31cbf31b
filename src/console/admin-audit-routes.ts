import { Hono } from 'hono';
import { type AuditRecord, type AuditSearchFilter, auditOperations } from '../audit/index.js';
import type { MessageKey, Translator } from '../i18n/index.js';
import { adminGate, adminPage, at, type Reader, readerOf, wordsOr } from './admin-page.js';
import type { ConsoleDeps } from './console-deps.js';
import type { ConsoleEnv } from './console-env.js';
import { html, type SafeHtml } from './html.js';

/** How far back a search looks: the choices of the form, in hours (0: the whole log). */
const PERIODS: ReadonlyArray<{ hours: number; label: MessageKey }> = [
  { hours: 1, label: 'admin.audit.period.hour' },
  { hours: 24, label: 'admin.audit.period.day' },
  { hours: 24 * 7, label: 'admin.audit.period.week' },
  { hours: 24 * 30, label: 'admin.audit.period.month' },
  { hours: 0, label: 'admin.audit.period.all' },
];

/** An operation as the admin reads it: its name in their language, and the identifier they search for. */
function operationName(t: Translator, operation: string): string {
  const key = `admin.op.${operation}` as MessageKey;
  const name = t(key);
  return name === key ? operation : name;
}
const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

/** The form's fields as a search filter; what cannot be read is left out and named. */
function readFilter(query: Record<string, string | undefined>, nowMs: number, t: Translator) {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = query[name]?.trim();
    return value ? value : undefined;
  };
  const operation = text('operation');
  if (operation && !(operation in auditOperations))
    problems.push(t('admin.audit.problem.operation', { operation }));
  const result = text('result');
  if (result && result !== 'success' && result !== 'failure') problems.push(t('admin.audit.problem.result'));
  const hours = Number(text('hours') ?? 24 * 7);
  const period = PERIODS.find((entry) => entry.hours === hours);
  if (!period) problems.push(t('admin.audit.problem.period'));
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
    const r = readerOf(c, deps);
    const { t } = r;
    const { filter, hours, problems } = readFilter(query, deps.clock.nowMs(), t);
    const { beforeId: _cursor, limit: _limit, ...whole } = filter;
    const [found, counts] = await Promise.all([
      deps.audit.search(filter),
      deps.audit.countByOperation(whole),
    ]);
    const next = new URLSearchParams(
      Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    if (found.nextCursor !== null) next.set('before', String(found.nextCursor));
    const field = (name: string, label: MessageKey) =>
      html`<label for="audit-${name}">${t(label)}</label><input type="text" id="audit-${name}" name="${name}" value="${query[name] ?? ''}">`;
    return adminPage(
      c,
      deps,
      t('nav.admin.audit'),
      html`<section><form method="get" action="/admin/audit" id="audit-search">
            ${field('mailbox', 'admin.col.mailbox')}${field('actor', 'admin.col.actor')}${field('ip', 'admin.audit.clientIp')}${field('folder', 'admin.audit.folder')}
            <label for="audit-operation">${t('admin.col.operation')}</label>
            <select id="audit-operation" name="operation"><option value="">${t('admin.audit.any')}</option>${Object.keys(
              auditOperations,
            ).map(
              (name) =>
                html`<option value="${name}" ${query['operation'] === name ? html`selected` : ''}>${operationName(t, name)}</option>`,
            )}</select>
            <label for="audit-result">${t('admin.audit.result')}</label>
            <select id="audit-result" name="result">${(['', 'success', 'failure'] as const).map(
              (value) =>
                html`<option value="${value}" ${query['result'] === value ? html`selected` : ''}>${t(value === '' ? 'admin.audit.any' : value === 'success' ? 'admin.audit.success' : 'admin.audit.failure')}</option>`,
            )}</select>
            <label for="audit-hours">${t('admin.audit.period')}</label>
            <select id="audit-hours" name="hours">${PERIODS.map(
              (period) =>
                html`<option value="${period.hours}" ${period.hours === hours ? html`selected` : ''}>${t(period.label)}</option>`,
            )}</select>
            <button type="submit" id="audit-search-button">${t('admin.audit.search')}</button>
          </form></section>
          <section><h2>${t('admin.audit.found')}</h2>
            <p id="audit-counts">${
              Object.keys(counts).length === 0
                ? t('admin.audit.noRecords')
                : Object.entries(counts)
                    .sort((a, b) => b[1] - a[1])
                    .map(
                      ([operation, count], index) =>
                        html`${index > 0 ? ', ' : ''}<span class="audit-count">${operationName(t, operation)} <code>${operation}</code> ${r.fmt.number(count)}</span>`,
                    )
            }</p>
            ${recordsTable(found.records, r)}
            ${found.nextCursor !== null ? html`<p><a id="audit-next" href="/admin/audit?${next.toString()}">${t('admin.audit.older')}</a></p>` : ''}
          </section>`,
      problems.length > 0
        ? { kind: 'error', text: t('admin.audit.leftOut', { problems: problems.join('; ') }) }
        : null,
    );
  });

  return routes;
}

function recordsTable(records: readonly AuditRecord[], r: Reader): SafeHtml {
  const { t } = r;
  if (records.length === 0) return html``;
  return html`<table id="audit-records">
    <thead><tr><th>${t('admin.col.when')}</th><th>${t('admin.col.operation')}</th><th>${t('admin.col.mailbox')}</th><th>${t('admin.col.actor')}</th><th>${t('admin.col.from')}</th><th>${t('admin.col.what')}</th></tr></thead>
    <tbody>${records.map(
      (record) => html`<tr class="audit-record" data-id="${record.id}">
        <td>${at(r, record.time)}</td>
        <td class="audit-operation" data-operation="${record.operation}">${operationName(t, record.operation)}<br><code>${record.operation}</code>${record.result === 'failure' ? html` <strong>${t('admin.audit.failed')}</strong>` : ''}</td>
        <td>${record.mailbox ?? '—'}</td>
        <td><span translate="no">${record.actor}</span> (${wordsOr(t, `admin.logonType.${record.logonType}`, record.logonType)})</td>
        <td>${record.clientIp ?? '—'}${record.protocol ? ` · ${record.protocol}` : ''}</td>
        <td>${describe(record, r)}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

/**
 * What the record is about, in words: folders, items, the message, then each detail as a name and a
 * value (camelCase names spelled out, nested values in brief), so the column wraps like prose.
 */
function describe(record: AuditRecord, r: Reader): SafeHtml {
  const parts: string[] = [];
  if (record.folder)
    parts.push(record.destinationFolder ? `${record.folder} → ${record.destinationFolder}` : record.folder);
  if (record.itemIds) parts.push(r.t.plural('admin.audit.items', record.itemIds.length));
  const details = Object.entries(record.details ?? {});
  // The subject and the details are the record's own data (names and values as the module wrote
  // them), not words of this page: translate="no", as for addresses.
  return html`${parts.join(' · ')}${record.subject ? html`${parts.length > 0 ? ' · ' : ''}<span translate="no">"${record.subject}"</span>` : ''}${
    details.length > 0
      ? html`<ul class="details" translate="no">${details.map(
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
