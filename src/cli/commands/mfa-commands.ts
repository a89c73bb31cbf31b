import type { MfaSummary } from '../../identity/index.js';
import { type CliCommand, type CommandContext, cliActor } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine } from '../output.js';
import { reportFailure } from '../report-failure.js';

function printSummary(context: CommandContext, mfa: MfaSummary, headline?: string): void {
  if (context.json) {
    writeJson(context.io.stdout, mfa);
    return;
  }
  if (headline) writeLine(context.io.stdout, headline);
  writeLine(context.io.stdout, `user:            ${mfa.address} (${mfa.role})`);
  writeLine(context.io.stdout, `mfa state:       ${mfa.state}`);
  writeLine(context.io.stdout, `totp:            ${mfa.totp ? 'yes' : 'no'}`);
  writeLine(context.io.stdout, `passkeys:        ${mfa.passkeys}`);
  writeLine(context.io.stdout, `recovery codes:  ${mfa.recoveryCodesLeft} unused`);
  writeLine(context.io.stdout, `required by:     ${mfa.requiredBy ?? '-'}`);
  if (mfa.registerBy) writeLine(context.io.stdout, `register by:     ${mfa.registerBy}`);
}

/** `mailwarden user mfa show|reset|enforce <user>`: an admin's view of and actions on a user's MFA (audited). */
export const mfaCommands: CliCommand[] = [
  {
    path: ['user', 'mfa', 'show'],
    args: ['<user>'],
    summary: 'Show a user’s second factors, MFA state and whether (and by when) MFA is required of them.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.mfa.show(context.args[0]!);
        if (!outcome.ok) return reportFailure(context, outcome);
        printSummary(context, outcome.mfa);
        return 0;
      }),
  },
  {
    path: ['user', 'mfa', 'reset'],
    args: ['<user>'],
    summary:
      'Remove every second factor of a user (TOTP, passkeys, recovery codes), sign them out everywhere and restart their registration grace period.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.mfa.reset(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        printSummary(context, outcome.mfa, 'MFA reset: every second factor removed, every web session ended');
        return 0;
      }),
  },
  {
    path: ['user', 'mfa', 'enforce'],
    args: ['<user>'],
    summary:
      'Require a user to register a second factor at their next web sign-in (no grace period); mail clients then need app passwords.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.mfa.enforce(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        printSummary(context, outcome.mfa, 'MFA enforced');
        return 0;
      }),
  },
];
