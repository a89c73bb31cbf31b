#!/usr/bin/env node
// The `mailwarden` executable: runs the compiled CLI (built by `npm ci` through the prepare script).
import { runCli } from '../dist/src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
