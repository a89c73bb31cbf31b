import type { DirectoryFailure } from '../directory/index.js';
import type { OutboundFailure } from '../outbound/index.js';
import type { CommandContext } from './cli-context.js';
import { writeJson, writeLine } from './output.js';

/** Exit status 1 for a refused action; with --json the refusal is printed as JSON on stdout as well. */
export function reportFailure(
  context: CommandContext,
  failure: DirectoryFailure | OutboundFailure | { ok: false; code: string; message: string },
): number {
  if (context.json)
    writeJson(context.io.stdout, { ok: false, error: { code: failure.code, message: failure.message } });
  writeLine(context.io.stderr, `mailwarden: ${failure.message} (${failure.code})`);
  return 1;
}
