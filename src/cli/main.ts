import { parseArgs } from 'node:util';
import { type CliCommand, type CliFlags, type CliIo, UsageError } from './cli-context.js';
import { alertCommands } from './commands/alert-commands.js';
import { auditCommands } from './commands/audit-commands.js';
import { configCommands } from './commands/config-commands.js';
import { domainCommands } from './commands/domain-commands.js';
import { groupCommands } from './commands/group-commands.js';
import { mfaCommands } from './commands/mfa-commands.js';
import { orgCommands } from './commands/org-commands.js';
import { policyCommands } from './commands/policy-commands.js';
import { quarantineCommands } from './commands/quarantine-commands.js';
import { respondCommands } from './commands/respond-commands.js';
import { restrictedCommands } from './commands/restricted-commands.js';
import { scoreCommands } from './commands/score-commands.js';
import { serveCommand } from './commands/serve-command.js';
import { signInCommands } from './commands/signin-commands.js';
import { tokenCommands } from './commands/token-commands.js';
import { userCommands } from './commands/user-commands.js';
import { webhookCommands } from './commands/webhook-commands.js';
import { ConfigProblems } from './open-app.js';
import { writeLine } from './output.js';

/** Every command; exported for the tests that check documented commands exist. */
export const cliCommands: readonly CliCommand[] = [
  serveCommand,
  ...configCommands,
  ...domainCommands,
  ...userCommands,
  ...groupCommands,
  ...tokenCommands,
  ...policyCommands,
  ...restrictedCommands,
  ...quarantineCommands,
  ...alertCommands,
  ...webhookCommands,
  ...auditCommands,
  ...orgCommands,
  ...scoreCommands,
  ...signInCommands,
  ...mfaCommands,
  ...respondCommands,
];

/**
 * Exit statuses: 0 done; 1 refused (bad input to the action, not found, duplicate); 2 usage or
 * configuration problem; 3 audit chain broken; 70 internal error (EX_SOFTWARE).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const words = argv.filter((word) => !word.startsWith('-'));
  const command = [...cliCommands]
    .sort((a, b) => b.path.length - a.path.length)
    .find((candidate) => candidate.path.every((part, index) => words[index] === part));
  if (!command || argv.includes('--help') || argv.includes('-h')) {
    writeUsage(io, command);
    return argv.length === 0 || argv.includes('--help') || argv.includes('-h') ? 0 : 2;
  }
  try {
    const rest = removePath(argv, command.path);
    const options: Record<string, { type: 'string' | 'boolean' }> = {
      json: { type: 'boolean' },
      config: { type: 'string' },
    };
    for (const [name, takesValue] of Object.entries(command.flags))
      options[name] = { type: takesValue ? 'string' : 'boolean' };
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const required = command.args.filter((arg) => !arg.startsWith('[')).length;
    if (parsed.positionals.length < required || parsed.positionals.length > command.args.length)
      throw new UsageError(`expected ${command.args.join(' ') || 'no arguments'}`);
    const flags = parsed.values as CliFlags;
    return await command.run({
      io,
      args: parsed.positionals,
      flags,
      json: flags['json'] === true,
      configFile: typeof flags['config'] === 'string' ? flags['config'] : undefined,
    });
  } catch (error) {
    if (error instanceof UsageError) {
      writeLine(io.stderr, `mailwarden ${command.path.join(' ')}: ${error.message}`);
      writeLine(io.stderr, `usage: ${usageLine(command)}`);
      return 2;
    }
    if (error instanceof ConfigProblems) {
      writeLine(io.stderr, `mailwarden: the configuration has ${error.problems.length} problem(s):`);
      for (const problem of error.problems) writeLine(io.stderr, `  - ${problem}`);
      return 2;
    }
    writeLine(io.stderr, `mailwarden: internal error: ${(error as Error).message}`);
    return 70;
  }
}

function removePath(argv: readonly string[], path: readonly string[]): string[] {
  const rest = [...argv];
  for (const part of path) rest.splice(rest.indexOf(part), 1);
  return rest;
}

function usageLine(command: CliCommand): string {
  const flags = Object.entries(command.flags).map(
    ([name, takesValue]) => `[--${name}${takesValue ? ' <value>' : ''}]`,
  );
  return ['mailwarden', ...command.path, ...command.args, ...flags, '[--json]', '[--config <file>]'].join(
    ' ',
  );
}

function writeUsage(io: CliIo, selected: CliCommand | undefined): void {
  if (selected) {
    writeLine(io.stdout, `usage: ${usageLine(selected)}`);
    writeLine(io.stdout, `  ${selected.summary}`);
    return;
  }
  writeLine(io.stdout, 'Mailwarden: protects an organization’s email from compromised accounts.');
  writeLine(io.stdout, '');
  writeLine(io.stdout, 'Commands:');
  for (const command of cliCommands)
    writeLine(io.stdout, `  ${usageLine(command)}\n      ${command.summary}`);
  writeLine(io.stdout, '');
  writeLine(
    io.stdout,
    'Configuration: MAILWARDEN_* environment variables or --config file.yaml (see docs/CONFIGURATION.md).',
  );
}
