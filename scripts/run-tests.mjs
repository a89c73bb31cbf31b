#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's own test runner, one file at a
// time per core. Node 20's runner takes no globs, so the files are listed here. Extra arguments
// filter by path substring: `node scripts/run-tests.mjs gateway store`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = path.join(root, 'dist', 'test');
const filters = process.argv.slice(2);

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return collect(full);
    return name.endsWith('.test.js') ? [full] : [];
  });
}

const files = collect(testRoot)
  // Matched against the path inside the checkout (dist/test/…), so a checkout's own folder name (a worktree called
  // i18n-…) cannot make a filter match every file.
  .filter((file) => {
    const relative = path.relative(root, file);
    return filters.length === 0 || filters.some((filter) => relative.includes(filter));
  })
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/test (run npm run build first)');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
