import { isMailPasswordMode, MAIL_PASSWORD_MODES } from '../../identity/index.js';
import { type CliCommand, cliActor, UsageError } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine } from '../output.js';
import { reportFailure } from '../report-failure.js';

/**
 * `user mail-password`: whether an account's mail clients (IMAP, POP3, SMTP) may keep using the
 * account password where the org setting is app-passwords-only (imported accounts start with
 * account-password), or must use app passwords. A user with MFA never uses the account password on
 * mail, whatever this says.
 */
export const mailPasswordCommands: CliCommand[] = [
  {
    path: ['user', 'mail-password'],
    args: ['<user>', '<app-passwords-only|account-password>'],
    summary:
      "Let an account's mail clients keep the account password (account-password) or move them to app passwords (app-passwords-only).",
    flags: {},
    run: (context) => {
      const mode = context.args[1];
      if (!isMailPasswordMode(mode)) throw new UsageError(`the mode is ${MAIL_PASSWORD_MODES.join(' or ')}`);
      return withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.identity.setMailPassword(context.args[0]!, mode, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json)
          writeJson(context.io.stdout, {
            user: outcome.user.address,
            mailPassword: outcome.mode,
            changed: outcome.changed,
          });
        else
          writeLine(
            context.io.stdout,
            `${outcome.user.address}: mail clients ${outcome.mode === 'account-password' ? 'may keep the account password' : 'use app passwords only'}${outcome.changed ? '' : ' (unchanged)'}`,
          );
        return 0;
      });
    },
  },
];
