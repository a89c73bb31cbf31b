#!/usr/bin/env node
// The `mailwarden` executable: runs the compiled CLI (built by `npm ci` through the prepare script).
import { runCli } from '../dist/src/cli/main.js';

// `mailwarden help | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
