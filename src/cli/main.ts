import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type CliCommand, type CliFlags, type CliIo, UsageError } from './cli-context.js';
import { alertCommands } from './commands/alert-commands.js';
import { auditCommands } from './commands/audit-commands.js';
import { configCommands } from './commands/config-commands.js';
import { domainCommands } from './commands/domain-commands.js';
import { groupCommands } from './commands/group-commands.js';
import { importCommands } from './commands/import-commands.js';
import { initCommand } from './commands/init-command.js';
import { mailPasswordCommands } from './commands/mail-password-command.js';
import { mfaCommands } from './commands/mfa-commands.js';
import { orgCommands } from './commands/org-commands.js';
import { policyCommands } from './commands/policy-commands.js';
import { quarantineCommands } from './commands/quarantine-commands.js';
import { respondCommands } from './commands/respond-commands.js';
import { restrictedCommands } from './commands/restricted-commands.js';
import { scoreCommands } from './commands/score-commands.js';
import { serveCommand } from './commands/serve-command.js';
import { setupCommands } from './commands/setup-commands.js';
import { signInCommands } from './commands/signin-commands.js';
import { tokenCommands } from './commands/token-commands.js';
import { userCommands } from './commands/user-commands.js';
import { webhookCommands } from './commands/webhook-commands.js';
import { checkDataDir, chooseConfigFile, permissionMessage } from './data-location.js';
import { ConfigProblems, loadCliConfig } from './open-app.js';
import { writeLine } from './output.js';

/** Every command; exported for the tests that check documented commands exist. */
export const cliCommands: readonly CliCommand[] = [
  serveCommand,
  initCommand,
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
  ...mailPasswordCommands,
  ...mfaCommands,
  ...respondCommands,
  ...importCommands,
  ...setupCommands,
];

/**
 * Exit statuses: 0 done; 1 refused (bad input to the action, not found, duplicate); 2 usage or
 * configuration problem; 3 audit chain broken; 70 internal error (EX_SOFTWARE).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    writeLine(io.stdout, packageVersion());
    return 0;
  }
  const words = argv.filter((word) => !word.startsWith('-'));
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (words[0] === 'help') return writeHelp(io, words.slice(1));
  const command = [...cliCommands]
    .sort((a, b) => b.path.length - a.path.length)
    .find((candidate) => candidate.path.every((part, index) => words[index] === part));
  if (argv.length === 0) return writeHelp(io, []);
  if (!command || wantsHelp) {
    if (command) {
      writeUsage(io, command);
      return 0;
    }
    // `mailwarden user --help` lists the user commands; an incomplete command gets the same list, as a usage error.
    // `mailwarden --help` alone is `mailwarden help`: every command, exit 0.
    return wantsHelp ? writeHelp(io, words) : refuseUnknown(io, words);
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
    const configFile = typeof flags['config'] === 'string' ? flags['config'] : undefined;
    const data = checkData(io, command, configFile);
    if (!data.ok) {
      writeLine(io.stderr, `mailwarden: ${data.message}`);
      return 2;
    }
    return await command.run({
      io,
      args: parsed.positionals,
      flags,
      json: flags['json'] === true,
      configFile,
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
    const denied = error as NodeJS.ErrnoException;
    if ((denied.code === 'EACCES' || denied.code === 'EPERM') && typeof denied.path === 'string') {
      writeLine(
        io.stderr,
        `mailwarden: ${permissionMessage(denied.path, path.dirname(denied.path), denied.code)}`,
      );
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

function writeUsage(io: CliIo, selected: CliCommand): void {
  writeLine(io.stdout, `usage: ${usageLine(selected)}`);
  writeLine(io.stdout, `  ${selected.summary}`);
}

/** The commands whose path starts with `words` (all of them for no words). */
function commandsUnder(words: readonly string[]): CliCommand[] {
  return cliCommands.filter((command) => words.every((word, index) => command.path[index] === word));
}

/** `mailwarden help [words…]`: every command, or those of one group; unknown words are a usage error. */
function writeHelp(io: CliIo, words: readonly string[]): number {
  const listed = commandsUnder(words);
  if (listed.length === 0) return refuseUnknown(io, words);
  if (words.length === 0) {
    writeLine(io.stdout, 'Mailwarden: protects an organization’s email from compromised accounts.');
    writeLine(io.stdout, '');
  }
  writeLine(io.stdout, words.length === 0 ? 'Commands:' : `Commands of mailwarden ${words.join(' ')}:`);
  for (const command of listed) writeLine(io.stdout, `  ${usageLine(command)}\n      ${command.summary}`);
  writeLine(io.stdout, '');
  writeLine(
    io.stdout,
    'Configuration: --config file.yaml, MAILWARDEN_CONFIG, ./mailwarden.yaml or /etc/mailwarden/mailwarden.yaml, and MAILWARDEN_* environment variables (see docs/CONFIGURATION.md).',
  );
  return 0;
}

/** A short refusal naming what was not understood, with the way to the list; never the whole help. */
function refuseUnknown(io: CliIo, words: readonly string[]): number {
  let known = 0;
  while (known < words.length && commandsUnder(words.slice(0, known + 1)).length > 0) known += 1;
  if (words.length === 0) writeLine(io.stderr, 'mailwarden: no command given');
  else if (known === 0 || known < words.length) {
    const unknown = words.slice(0, known + 1).join(' ');
    writeLine(io.stderr, `mailwarden: unknown command "${unknown}"`);
  } else writeLine(io.stderr, `mailwarden: "${words.join(' ')}" needs a command after it`);
  const topic = words.slice(0, known).join(' ');
  writeLine(
    io.stderr,
    `Run "mailwarden help${topic ? ` ${topic}` : ''}" for the list of commands${topic ? ` of mailwarden ${topic}` : ''}.`,
  );
  return 2;
}

/** The version of the installed package (package.json beside dist/). */
function packageVersion(): string {
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** A command that reads data must find the server's; only `serve`, `init` and `domain add` create it. */
function checkData(io: CliIo, command: CliCommand, configFile: string | undefined) {
  const use = command.data ?? 'existing';
  if (use === 'none') return { ok: true } as const;
  return checkDataDir(loadCliConfig(io, configFile), use, chooseConfigFile(io, configFile));
}
