import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runMailwarden } from '../support/cli-process.js';
import { makeTempDir } from '../support/test-app.js';

describe('mailwarden import', () => {
  const temp = makeTempDir('mw-cli-import-');
  const env = { MAILWARDEN_DATA_DIR: path.join(temp.dir, 'data') };
  const file = path.join(temp.dir, 'users');
  after(() => temp.remove());

  test('dovecot-passwd: --dry-run --json changes nothing, the import prints its counts and skipped lines, a bad preset is a usage error', async () => {
    const hash = execFileSync('doveadm', ['pw', '-s', 'SHA512-CRYPT', '-p', 'pia password'], {
      encoding: 'utf8',
    }).trim();
    writeFileSync(
      file,
      `pia@cli.example:${hash}:5000:5000:Pia::\nbad line without a colon\nrex@cli.example:{NOPE}x::::\n`,
    );
    const dry = await runMailwarden(['import', 'dovecot-passwd', file, '--dry-run', '--json'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    const report = JSON.parse(dry.stdout);
    assert.equal(report.dryRun, true);
    assert.equal(report.users.created, 2);
    const real = await runMailwarden(['import', 'dovecot-passwd', file], { env });
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /users: 2 created, 0 updated, 0 unchanged, 1 skipped/);
    assert.match(real.stdout, /skipped bad line without a colon \(line 2\)/);
    assert.match(real.stdout, /without a usable password[^\n]*\n\s+rex@cli\.example/);
    const again = await runMailwarden(['import', 'dovecot-passwd', file, '--json'], { env });
    assert.equal(JSON.parse(again.stdout).users.unchanged, 2);
    const usage = await runMailwarden(['import', 'sql', '--url', 'sqlite:///x', '--preset', 'exchange'], {
      env,
    });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--preset must be one of mailcow, modoboa, mailinabox, postfixadmin/);
    const down = await runMailwarden(
      ['import', 'sql', '--url', 'mysql://root@127.0.0.1:9/mailcow', '--preset', 'mailcow', '--json'],
      { env },
    );
    assert.equal(down.code, 1);
    assert.equal(JSON.parse(down.stdout).error.code, 'source-unreadable');
  });
});
