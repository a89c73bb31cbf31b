import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Packages that only some requests need, each imported by its first use (issue 22's memory target:
 * every `serve` worker loads the server's whole module graph, so what is in it at start is paid once
 * per worker). A static import of one of them, added anywhere the server reaches, brings it back.
 */
const ON_FIRST_USE = ['mailauth', 'mysql2', '@simplewebauthn/server', 'qrcode', 'selfsigned'];

/**
 * Every module (ESM and CommonJS) a fresh Node process has loaded after importing `entry`. The load
 * hook runs on the loader's own thread, so it writes each URL to a file synchronously: output it
 * wrote to stdout was sometimes lost at exit (seen on Node 24: 1 of 838 lines arrived).
 */
function modulesLoadedBy(entry: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-loaded-'));
  const list = path.join(dir, 'loaded.txt');
  try {
    const hook = `data:text/javascript,${encodeURIComponent(
      `import { appendFileSync } from 'node:fs';
      export async function load(url, context, next) { appendFileSync(${JSON.stringify(list)}, url + "\\n"); return next(url, context); }`,
    )}`;
    const script = `
      import { register, createRequire } from 'node:module';
      import { appendFileSync } from 'node:fs';
      register(${JSON.stringify(hook)});
      await import(${JSON.stringify(pathToFileURL(entry).href)});
      for (const file of Object.keys(createRequire(import.meta.url).cache)) appendFileSync(${JSON.stringify(list)}, file + '\\n');
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    return readFileSync(list, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('starting the server (the CLI and everything serve imports) loads none of the packages kept for first use', () => {
  const loaded = modulesLoadedBy(path.join(ROOT, 'dist', 'src', 'cli', 'main.js'));
  // The server's own graph was seen, or the check below proves nothing.
  assert.ok(loaded.some((file) => file.includes('/node_modules/smtp-server/')));
  for (const name of ON_FIRST_USE)
    assert.deepEqual(
      loaded.filter((file) => file.includes(`/node_modules/${name}/`)),
      [],
      `${name} is loaded at start`,
    );
});
