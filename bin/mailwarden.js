#!/usr/bin/env node
// The `mailwarden` executable: runs the compiled CLI (built by `npm ci` through the prepare script).
// `serve` with several workers: the supervisor runs without loading the CLI (serve-supervisor.ts).
import { superviseIfAsked } from '../dist/src/cli/serve-supervisor.js';

// `mailwarden help | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const argv = process.argv.slice(2);
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
const supervised = await superviseIfAsked(argv, io);
if (supervised !== null) process.exitCode = supervised;
else {
  const { runCli } = await import('../dist/src/cli/main.js');
  process.exitCode = await runCli(argv, io);
}
