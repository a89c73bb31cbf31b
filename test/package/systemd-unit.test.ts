import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTempDir } from '../support/test-app.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const UNIT = path.join(root, 'deploy/systemd/mailwarden.service');

/**
 * The unit as systemd would load it on this machine: ExecStart pointed at this checkout's bin (the
 * shipped path, /usr/local/bin/mailwarden, exists only after `npm install -g`; verify checks it).
 */
function unitHere(dir: string, edit: (text: string) => string = (text) => text): string {
  const file = path.join(dir, 'mailwarden.service');
  const text = readFileSync(UNIT, 'utf8').replace(
    '/usr/local/bin/mailwarden',
    path.join(root, 'bin/mailwarden.js'),
  );
  writeFileSync(file, edit(text));
  return file;
}

async function analyze(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('systemd-analyze', args, {
      timeout: 60_000,
      // Its findings on stderr, never to the journal, whatever the caller's stderr is.
      env: { ...process.env, SYSTEMD_LOG_TARGET: 'console', SYSTEMD_LOG_LEVEL: 'notice' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: Number(failed.code ?? 1), stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('deploy/systemd/mailwarden.service', () => {
  const temp = makeTempDir('mailwarden-unit-');
  after(() => temp.remove());

  test('systemd-analyze verify accepts the unit without a warning', async () => {
    const verified = await analyze(['verify', unitHere(temp.dir)]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal(verified.stderr.trim(), '', 'no warnings');
  });

  test('systemd-analyze verify refuses a misspelt directive, so the check above can fail', async () => {
    const dir = makeTempDir('mailwarden-unit-typo-');
    try {
      const verified = await analyze([
        'verify',
        unitHere(dir.dir, (text) => text.replace('ProtectSystem=strict', 'ProtectSystem=stricter')),
      ]);
      assert.match(verified.stderr, /protect system value/i, JSON.stringify(verified));
    } finally {
      dir.remove();
    }
  });

  test('the unit runs as its own user with a state directory, a read-only system and no new privileges', () => {
    const text = readFileSync(UNIT, 'utf8');
    const settings = new Set(text.split('\n').filter((line) => /^[A-Z]\w+=/.test(line)));
    for (const wanted of [
      'User=mailwarden',
      'StateDirectory=mailwarden',
      'Environment=MAILWARDEN_DATA_DIR=/var/lib/mailwarden',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'KillSignal=SIGTERM',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
    ])
      assert.ok(settings.has(wanted), wanted);
    // The account the unit names is created by the sysusers.d file shipped beside it.
    assert.match(
      readFileSync(path.join(root, 'deploy/systemd/mailwarden.sysusers'), 'utf8'),
      /^u mailwarden /m,
    );
  });

  test("systemd-analyze security rates the unit's exposure OK (below 2.5 of 10)", async () => {
    const rated = await analyze(['security', '--offline=true', '--no-pager', unitHere(temp.dir)]);
    const level = /Overall exposure level for mailwarden\.service: ([\d.]+)/.exec(rated.stdout)?.[1];
    assert.ok(level, rated.stdout + rated.stderr);
    assert.ok(Number(level) < 2.5, `exposure ${level}`);
  });
});
