import type { InboxRuleScript } from '../../respond/index.js';
import { type CliCommand, type CommandContext, cliActor } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

function describeScripts(context: CommandContext, user: string, scripts: readonly InboxRuleScript[]): void {
  if (scripts.length === 0) {
    writeLine(context.io.stdout, `${user} has no inbox rules (Sieve scripts)`);
    return;
  }
  writeTable(
    context.io.stdout,
    ['SCRIPT', 'RUNS', 'SUSPICIOUS', 'WHAT IT DOES'],
    scripts.map((script) => [
      script.name,
      script.active ? 'active' : script.includedByActive ? 'included' : 'no',
      script.suspicious ? 'yes' : 'no',
      script.findings.map((finding) => finding.description).join('; ') ||
        'nothing that forwards or files mail',
    ]),
  );
}

const flag = (context: CommandContext, name: string) => context.flags[name] === true;

export const respondCommands: CliCommand[] = [
  {
    path: ['user', 'rules'],
    args: ['<user>'],
    summary:
      "Show a mailbox's inbox rules (Sieve scripts in Dovecot) and which forward mail out or hide it from the owner.",
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.respond.inboxRules(context.args[0]!);
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, { user: outcome.user, scripts: outcome.scripts });
        else describeScripts(context, outcome.user, outcome.scripts);
        return 0;
      }),
  },
  {
    path: ['user', 'rules', 'disable'],
    args: ['<user>'],
    summary:
      'Deactivate the active Sieve script when it forwards or hides mail (kept, not deleted); --even-if-harmless always.',
    flags: { 'even-if-harmless': false },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.respond.disableInboxRules(
          context.args[0]!,
          { evenIfHarmless: flag(context, 'even-if-harmless') },
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json)
          writeJson(context.io.stdout, {
            user: outcome.user,
            deactivated: outcome.deactivated,
            scripts: outcome.scripts,
          });
        else
          writeLine(
            context.io.stdout,
            outcome.deactivated
              ? `deactivated the Sieve script "${outcome.deactivated}" of ${outcome.user} (kept for evidence)`
              : `nothing deactivated: no active rule of ${outcome.user} forwards or hides mail`,
          );
        return 0;
      }),
  },
  {
    path: ['user', 'secure'],
    args: ['<user>'],
    summary:
      'Secure a compromised account in one go: reset the password, revoke app passwords and tokens, require MFA, disable forwarding rules, end mail sessions; --release "reason" releases it too.',
    flags: {
      'keep-app-passwords': false,
      'reset-mfa': false,
      'keep-rules': false,
      release: true,
      force: false,
    },
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const reason = context.flags['release'];
        const outcome = await app.respond.secureAccount(
          context.args[0]!,
          {
            revokeAppPasswords: !flag(context, 'keep-app-passwords'),
            resetMfa: flag(context, 'reset-mfa'),
            disableInboxRules: !flag(context, 'keep-rules'),
            ...(typeof reason === 'string' ? { release: { reason, force: flag(context, 'force') } } : {}),
          },
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        const complete = outcome.steps.every((step) => step.status !== 'failed' && step.status !== 'refused');
        if (context.json)
          writeJson(context.io.stdout, {
            complete,
            user: outcome.user,
            temporaryPassword: outcome.temporaryPassword,
            steps: outcome.steps,
          });
        else {
          // The password alone on stdout (as user reset-password prints it), the report on stderr.
          writeLine(context.io.stdout, outcome.temporaryPassword);
          writeLine(context.io.stderr, `temporary password for ${outcome.user} (shown once)`);
          writeTable(
            context.io.stderr,
            ['STEP', 'STATUS', 'DETAIL'],
            outcome.steps.map((step) => [step.step, step.status, step.detail]),
          );
        }
        return complete ? 0 : 1;
      }),
  },
];
