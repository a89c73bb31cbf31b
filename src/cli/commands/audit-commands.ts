import { type AuditRecord, type AuditSearchFilter, isAuditOperation } from '../../audit/index.js';
import { type CliCommand, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { parseTime } from '../parse-time.js';

export const auditCommands: CliCommand[] = [
  {
    path: ['audit', 'search'],
    args: [],
    summary: 'Search the audit log, newest first (--since/--until: ISO time or 30m, 24h, 7d).',
    flags: {
      mailbox: true,
      operation: true,
      actor: true,
      result: true,
      ip: true,
      since: true,
      until: true,
      limit: true,
    },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const flag = (name: string) =>
          typeof context.flags[name] === 'string' ? (context.flags[name] as string) : undefined;
        const operations = flag('operation')
          ?.split(',')
          .map((name) => name.trim())
          .filter(Boolean);
        for (const operation of operations ?? [])
          if (!isAuditOperation(operation))
            throw new UsageError(`--operation: unknown operation ${operation}`);
        const result = flag('result');
        if (result !== undefined && result !== 'success' && result !== 'failure')
          throw new UsageError('--result must be success or failure');
        const limit = flag('limit') === undefined ? 100 : Number(flag('limit'));
        if (!Number.isInteger(limit) || limit < 1)
          throw new UsageError('--limit must be a positive whole number');
        const now = app.clock.nowMs();
        const filter: AuditSearchFilter = {
          mailbox: flag('mailbox'),
          actor: flag('actor'),
          operations,
          result,
          clientIp: flag('ip'),
          sinceMs: flag('since') === undefined ? undefined : parseTime('since', flag('since')!, now),
          untilMs: flag('until') === undefined ? undefined : parseTime('until', flag('until')!, now),
        };
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
            ['ID', 'TIME', 'OPERATION', 'RESULT', 'MAILBOX', 'ACTOR', 'IP', 'SUBJECT'],
            records.map((record) => [
              String(record.id),
              record.time,
              record.operation,
              record.result,
              record.mailbox ?? '',
              record.actor,
              record.clientIp ?? '',
              record.subject ?? '',
            ]),
          );
        return 0;
      }),
  },
  {
    path: ['audit', 'verify'],
    args: [],
    summary: 'Check the audit hash chain; exits 3 and names the first broken record if it was tampered with.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.audit.verify();
        if (context.json) writeJson(context.io.stdout, outcome);
        if (outcome.ok) {
          if (!context.json)
            writeLine(
              context.io.stdout,
              `audit chain intact: ${outcome.recordsChecked} records, head ${outcome.headHash}`,
            );
          return 0;
        }
        writeLine(
          context.io.stderr,
          `AUDIT CHAIN BROKEN at record ${outcome.brokenAtId} (${outcome.problem}): ${outcome.detail}. ` +
            `${outcome.recordsChecked} records before it verified.`,
        );
        return 3;
      }),
  },
];
