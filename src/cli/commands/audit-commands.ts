import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { App } from '../../app.js';
import { type AuditRecord, type AuditSearchFilter, isAuditOperation } from '../../audit/index.js';
import { type CliCommand, type CommandContext, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { parseTime } from '../parse-time.js';

const filterFlags = {
  mailbox: true,
  operation: true,
  actor: true,
  result: true,
  ip: true,
  folder: true,
  since: true,
  until: true,
} as const;

function flagOf(context: CommandContext, name: string): string | undefined {
  return typeof context.flags[name] === 'string' ? (context.flags[name] as string) : undefined;
}

/** The search filter from --mailbox, --operation, --actor, --result, --ip, --folder, --since, --until. */
function filterFrom(context: CommandContext, app: App): AuditSearchFilter {
  const flag = (name: string) => flagOf(context, name);
  const operations = flag('operation')
    ?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const operation of operations ?? [])
    if (!isAuditOperation(operation)) throw new UsageError(`--operation: unknown operation ${operation}`);
  const result = flag('result');
  if (result !== undefined && result !== 'success' && result !== 'failure')
    throw new UsageError('--result must be success or failure');
  const now = app.clock.nowMs();
  const since = flag('since');
  const until = flag('until');
  return {
    mailbox: flag('mailbox'),
    actor: flag('actor'),
    operations,
    result,
    clientIp: flag('ip'),
    folder: flag('folder'),
    sinceMs: since === undefined ? undefined : parseTime('since', since, now),
    untilMs: until === undefined ? undefined : parseTime('until', until, now),
  };
}

/** Writes with backpressure, so an export of millions of records never piles up in memory. */
async function writeChunk(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

export const auditCommands: CliCommand[] = [
  {
    path: ['audit', 'search'],
    args: [],
    summary:
      'Search the audit log, newest first (--since/--until: ISO time or 30m, 24h, 7d; --counts: records per operation).',
    flags: { ...filterFlags, limit: true, counts: false },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const filter = filterFrom(context, app);
        if (context.flags['counts'] === true) {
          const counts = await app.audit.countByOperation(filter);
          if (context.json) writeJson(context.io.stdout, counts);
          else
            writeTable(
              context.io.stdout,
              ['OPERATION', 'RECORDS'],
              Object.entries(counts).map(([operation, count]) => [operation, String(count)]),
            );
          return 0;
        }
        const limitFlag = flagOf(context, 'limit');
        const limit = limitFlag === undefined ? 100 : Number(limitFlag);
        if (!Number.isInteger(limit) || limit < 1)
          throw new UsageError('--limit must be a positive whole number');
        const records: AuditRecord[] = [];
        let beforeId: number | undefined;
        while (records.length < limit) {
          const page = await app.audit.search({
            ...filter,
            beforeId,
            limit: Math.min(1000, limit - records.length),
          });
          records.push(...page.records);
          if (page.nextCursor === null) break;
          beforeId = page.nextCursor;
        }
        if (context.json) writeJson(context.io.stdout, records);
        else
          writeTable(
            context.io.stdout,
            ['ID', 'TIME', 'OPERATION', 'RESULT', 'MAILBOX', 'ACTOR', 'IP', 'FOLDER', 'SUBJECT'],
            records.map((record) => [
              String(record.id),
              record.time,
              record.operation,
              record.result,
              record.mailbox ?? '',
              record.actor,
              record.clientIp ?? '',
              record.destinationFolder
                ? `${record.folder ?? ''} → ${record.destinationFolder}`
                : (record.folder ?? ''),
              record.subject ?? '',
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['audit', 'export'],
    args: [],
    summary:
      'Stream every matching record to stdout, newest first, as CSV or JSON Lines (--format csv|jsonl; the search filters apply).',
    flags: { ...filterFlags, format: true },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const format = flagOf(context, 'format') ?? 'jsonl';
        if (format !== 'csv' && format !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
        const filter = filterFrom(context, app);
        for await (const chunk of app.audit.exportText(filter, format))
          await writeChunk(context.io.stdout, chunk);
        return 0;
      }),
  },
  {
    path: ['audit', 'verify'],
    args: [],
    summary:
      'Check the audit hash chain against its checkpoints and anchors, and the search keys; exits 3 and names the first broken record, or the records cut from the end, if it was tampered with.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.audit.verify();
        if (context.json) writeJson(context.io.stdout, outcome);
        if (outcome.ok) {
          if (!context.json) {
            const { anchors } = outcome;
            writeLine(
              context.io.stdout,
              `audit chain intact: ${outcome.recordsChecked} records, head ${outcome.headHash}; ` +
                (anchors.throughId === null
                  ? 'no anchors yet (records cut from the end could not be detected)'
                  : `${anchors.checked} anchors agree, the newest of ${anchors.newestAt} (record ${anchors.throughId})`),
            );
          }
          return 0;
        }
        writeLine(
          context.io.stderr,
          outcome.problem === 'unsearchable'
            ? `AUDIT SEARCH KEYS TAMPERED at record ${outcome.brokenAtId} (${outcome.problem}): ${outcome.detail}. ` +
                `The chain itself verified: ${outcome.recordsChecked} records.`
            : outcome.problem === 'bad-anchor'
              ? `AUDIT ANCHORS TAMPERED (${outcome.problem}): ${outcome.detail}.`
              : `AUDIT CHAIN BROKEN at record ${outcome.brokenAtId} (${outcome.problem}): ${outcome.detail}. ` +
                `${outcome.recordsChecked} records before it verified.`,
        );
        return 3;
      }),
  },
  {
    path: ['audit', 'prune'],
    args: [],
    summary:
      'Remove records older than the org setting audit.retentionDays (or --days N) behind a signed checkpoint; audited as PruneAuditLog.',
    flags: { days: true },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const daysFlag = flagOf(context, 'days');
        const retentionDays =
          daysFlag === undefined ? await app.settings.get('audit.retentionDays') : Number(daysFlag);
        if (!Number.isInteger(retentionDays) || retentionDays < 1)
          throw new UsageError('--days must be a whole number of days, at least 1');
        const outcome = await app.audit.prune({ retentionDays, actor: cliActor(context.io) });
        if (context.json) writeJson(context.io.stdout, outcome);
        else
          writeLine(
            context.io.stdout,
            outcome.removed > 0
              ? `removed ${outcome.removed} records older than ${outcome.cutoff} (through record ${outcome.throughId})`
              : `nothing older than ${outcome.cutoff} to remove`,
          );
        return 0;
      }),
  },
  ...(['disable', 'enable'] as const).map(
    (verb): CliCommand => ({
      path: ['audit', 'mailbox', verb],
      args: ['<mailbox>'],
      summary:
        verb === 'disable'
          ? 'Stop recording what is done to a mailbox’s items and folders (audited; lowers Secure Score).'
          : 'Record a mailbox’s item and folder actions again (the default; audited).',
      flags: {},
      run: (context) =>
        withApp(context.io, context.configFile, async (app) => {
          const outcome = await app.audit.setMailboxAudit(
            context.args[0]!,
            verb === 'enable',
            cliActor(context.io),
          );
          if (!outcome.ok) {
            writeLine(context.io.stderr, `mailwarden audit mailbox ${verb}: ${outcome.message}`);
            return 1;
          }
          if (context.json) writeJson(context.io.stdout, outcome);
          else
            writeLine(
              context.io.stdout,
              `${outcome.setting.mailbox}: auditing ${outcome.setting.enabled ? 'on' : 'off'}${outcome.changed ? '' : ' (unchanged)'}`,
            );
          return 0;
        }),
    }),
  ),
  {
    path: ['audit', 'mailbox', 'list'],
    args: [],
    summary: 'Mailboxes with auditing turned off, and the coverage of all active mailboxes.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const [off, coverage] = await Promise.all([
          app.audit.listMailboxAuditOff(),
          app.audit.mailboxAuditCoverage(),
        ]);
        if (context.json) writeJson(context.io.stdout, { coverage, auditingOff: off });
        else {
          writeLine(
            context.io.stdout,
            `auditing on for ${coverage.audited} of ${coverage.total} active mailboxes`,
          );
          if (off.length > 0)
            writeTable(
              context.io.stdout,
              ['MAILBOX (AUDITING OFF)', 'SINCE', 'BY'],
              off.map((setting) => [setting.mailbox, setting.changedAt ?? '', setting.changedBy ?? '']),
            );
        }
        return 0;
      }),
  },
];
