import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../support/test-app.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-boundaries.mjs');

function check(srcDir?: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, srcDir ? [SCRIPT, srcDir] : [SCRIPT], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the dependency-boundary check', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let tree: string;
  before(() => {
    temp = makeTempDir();
    tree = path.join(temp.dir, 'src');
  });
  after(() => temp.remove());

  /** A copy of src/ with one more file, or a folder, that the check must refuse. */
  function brokenCopy(files: Record<string, string>): string {
    rmSync(tree, { recursive: true, force: true });
    cpSync(path.join(ROOT, 'src'), tree, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(tree, name)), { recursive: true });
      writeFileSync(path.join(tree, name), text);
    }
    return tree;
  }

  test('passes the source tree as it is', () => {
    const { status, output } = check();
    assert.equal(status, 0, output);
    assert.match(output, /dependency boundaries: ok/);
  });

  test('refuses an adapter that imports another adapter', () => {
    const { status, output } = check(
      brokenCopy({ 'gateway/mounts-api.ts': "export { apiRoutes } from '../api/index.js';\n" }),
    );
    assert.equal(status, 1);
    assert.match(
      output,
      /gateway\/mounts-api\.ts: imports api\/ \(adapter\), but adapter modules import only/,
    );
  });

  test('refuses an adapter that imports the composition (app.ts, server.ts, http.ts)', () => {
    const { status, output } = check(
      brokenCopy({
        'mailstack/takes-app.ts': "import type { App } from '../app.js';\nexport type Whole = App;\n",
        'api/starts-server.ts': "export { startServer } from '../server.js';\n",
      }),
    );
    assert.equal(status, 1);
    assert.match(output, /mailstack\/takes-app\.ts: imports app\.js \(composition\)/);
    assert.match(output, /api\/starts-server\.ts: imports server\.js \(composition\)/);
  });

  test('refuses a domain module that imports a service or the shared HTTP tables', () => {
    const { status, output } = check(
      brokenCopy({
        'audit/sends.ts': "export { createDelivery } from '../delivery/index.js';\n",
        'directory/statuses.ts': "export { apiErrorStatus } from '../http-status/index.js';\n",
      }),
    );
    assert.equal(status, 1);
    assert.match(output, /audit\/sends\.ts: imports delivery\/ \(service\)/);
    assert.match(output, /directory\/statuses\.ts: imports http-status\/ \(shared\)/);
  });

  test('refuses the CLI reaching an adapter instead of the composition', () => {
    const { status, output } = check(
      brokenCopy({ 'cli/own-http.ts': "export { apiRoutes } from '../api/index.js';\n" }),
    );
    assert.equal(status, 1);
    assert.match(output, /cli\/own-http\.ts: imports api\/ \(adapter\), but entry modules import only/);
  });

  test('refuses a folder under src/ that is listed as no kind of module', () => {
    const { status, output } = check(brokenCopy({ 'billing/index.ts': 'export const plans = [];\n' }));
    assert.equal(status, 1);
    assert.match(output, /src\/billing\/: listed in 0 kinds of module/);
  });
});
