import {
  MAX_HISTORY_DAYS,
  type ScoredControl,
  type ScoreReport,
  settableStatuses,
} from '../../score/index.js';
import { type CliCommand, type CommandContext, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

const statusLabel: Record<ScoredControl['status'], string> = {
  completed: 'completed',
  partial: 'partial',
  'to-address': 'to address',
  'not-available': 'could not check',
  'risk-accepted': 'risk accepted',
  'third-party': 'third party',
  'alternate-mitigation': 'alt. mitigation',
};

const points = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));

function printReport(context: CommandContext, report: ScoreReport): void {
  const out = context.io.stdout;
  writeLine(
    out,
    `Secure Score ${points(report.score)} / ${points(report.maxScore)} (${report.percentage}%), achievable ${points(report.achievableScore)} (${report.achievablePercentage}%)`,
  );
  writeLine(
    out,
    report.categories.map((c) => `${c.category} ${points(c.score)}/${points(c.maxScore)}`).join(' · '),
  );
  if (report.notChecked.controls > 0)
    writeLine(
      out,
      `could not check ${report.notChecked.controls} control(s) worth ${points(report.notChecked.maxPoints)} points (0 points until they can be)`,
    );
  writeLine(out);
  writeTable(
    out,
    ['TO GAIN', 'POINTS', 'STATUS', 'CONTROL', 'CURRENT'],
    report.controls.map((control) => [
      points(control.pointsToGain),
      `${points(control.points)}/${control.maxPoints}`,
      statusLabel[control.status],
      control.id,
      control.measured.current.length > 90
        ? `${control.measured.current.slice(0, 89)}…`
        : control.measured.current,
    ]),
  );
  const next = report.controls.filter((control) => control.pointsToGain > 0).slice(0, 5);
  if (next.length > 0) {
    writeLine(out);
    writeLine(out, 'Next steps (most points first; `mailwarden score control <id>` explains each):');
    for (const control of next) writeLine(out, `  ${control.id}: ${control.recommendation.cli}`);
  }
}

function printControl(context: CommandContext, control: ScoredControl): void {
  writeTable(
    context.io.stdout,
    ['FIELD', 'VALUE'],
    [
      ['id', control.id],
      ['title', control.title],
      ['category', control.category],
      [
        'points',
        `${points(control.points)} of ${control.maxPoints} (to gain: ${points(control.pointsToGain)})`,
      ],
      ['status', statusLabel[control.status]],
      ['measured', `${statusLabel[control.measured.state]}, ${points(control.measured.points)} points`],
      ['current state', control.measured.current],
      ...control.notes.map((note) => ['note', note]),
      ...(control.override
        ? [
            [
              'status set by',
              `${control.override.setBy} at ${control.override.setAt}: ${control.override.reason}`,
            ],
          ]
        : []),
      ['how measured', control.measuredBy],
      ['why it matters', control.why],
      ['fix (CLI)', control.recommendation.cli],
      ['fix (API)', control.recommendation.api ?? '-'],
    ],
  );
}

export const scoreCommands: CliCommand[] = [
  {
    path: ['score'],
    args: [],
    summary:
      'Secure Score: every control with its points and the recommendation, most points to gain first (checks DNS).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const report = await app.score.report();
        if (context.json) writeJson(context.io.stdout, report);
        else printReport(context, report);
        return 0;
      }),
  },
  {
    path: ['score', 'control'],
    args: ['<id>'],
    summary: 'One Secure Score control: how it is measured, what was found, why it matters, how to fix it.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.score.control(context.args[0]!);
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.control);
        else printControl(context, outcome.control);
        return 0;
      }),
  },
  {
    path: ['score', 'status'],
    args: ['<id>'],
    summary: `Set a control's status: ${settableStatuses.join(' | ')} (measured removes it), with --reason; audited.`,
    flags: { status: true, reason: true },
    async run(context) {
      const status = context.flags['status'];
      const reason = context.flags['reason'];
      if (typeof status !== 'string')
        throw new UsageError(`--status ${settableStatuses.join('|')} is required`);
      if (typeof reason !== 'string') throw new UsageError('--reason "…" is required');
      return withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.score.setStatus(context.args[0]!, { status, reason }, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        const control = await app.score.control(outcome.controlId);
        if (!control.ok) return reportFailure(context, control);
        if (context.json) writeJson(context.io.stdout, control.control);
        else
          writeLine(
            context.io.stdout,
            `${control.control.id}: ${statusLabel[control.control.status]}, ${points(control.control.points)} of ${control.control.maxPoints} points`,
          );
        return 0;
      });
    },
  },
  {
    path: ['score', 'snapshot'],
    args: [],
    summary: 'Take a Secure Score snapshot now; it joins the history (the server takes one a day).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const snapshot = await app.score.takeSnapshot();
        if (context.json) writeJson(context.io.stdout, snapshot);
        else
          writeLine(
            context.io.stdout,
            `snapshot ${snapshot.at}: ${points(snapshot.score)} / ${points(snapshot.maxScore)}`,
          );
        return 0;
      }),
  },
  {
    path: ['score', 'history'],
    args: [],
    summary: 'Secure Score snapshots, oldest first (--days, default 90).',
    flags: { days: true },
    async run(context) {
      const days = context.flags['days'] === undefined ? 90 : Number(context.flags['days']);
      if (!Number.isInteger(days) || days < 1 || days > MAX_HISTORY_DAYS)
        throw new UsageError(`--days must be a whole number from 1 to ${MAX_HISTORY_DAYS}`);
      return withApp(context.io, context.configFile, async (app) => {
        const snapshots = await app.score.history({ days });
        if (context.json) writeJson(context.io.stdout, snapshots);
        else
          writeTable(
            context.io.stdout,
            ['TAKEN', 'TRIGGER', 'SCORE', 'PERCENT', 'IDENTITY', 'MAIL FLOW', 'AUDIT', 'DOMAINS'],
            snapshots.map((s) => [
              s.at,
              s.trigger,
              `${points(s.score)}/${points(s.maxScore)}`,
              `${s.percentage}%`,
              points(s.categories.identity.score),
              points(s.categories['mail-flow'].score),
              points(s.categories.audit.score),
              points(s.categories.domains.score),
            ]),
          );
        return 0;
      });
    },
  },
];
