import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { prepareMailwarden, SENDER, type ServedMailwarden } from '../support/served-mailwarden.js';
import { SmtpDialogue } from '../support/smtp-dialogue.js';
import { makeTempDir } from '../support/test-app.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FILTER = path.join(root, 'deploy/fail2ban/filter.d/mailwarden.conf');

async function authOnce(served: ServedMailwarden, login: string, secret: string): Promise<number> {
  const { client } = await SmtpDialogue.connect(served.ports.smtps, { implicitTls: true });
  try {
    await client.command('EHLO client.test');
    return (await client.authPlain(login, secret)).code;
  } finally {
    await client.quit();
  }
}

/** fail2ban-regex on a log file: the addresses it would ban, one per matched line, and its summary. */
async function fail2banRegex(logFile: string): Promise<{ ips: string[]; summary: string }> {
  const ips = await run('fail2ban-regex', ['-o', 'ip', logFile, FILTER], { timeout: 60_000 });
  const full = await run('fail2ban-regex', [logFile, FILTER], { timeout: 60_000 });
  return {
    ips: ips.stdout.split('\n').filter((line) => line.trim().length > 0),
    summary: /Lines: .*/.exec(full.stdout)?.[0] ?? full.stdout,
  };
}

describe('the fail2ban filter against the log of a real server', () => {
  const temp = makeTempDir('mailwarden-fail2ban-');
  let served: ServedMailwarden;
  before(async () => {
    served = await prepareMailwarden();
    await served.start();
  });
  after(async () => {
    await served?.remove();
    temp.remove();
  });

  test('every refused sign-in is one matched line with the client address; accepted ones match nothing', async () => {
    assert.equal(await authOnce(served, SENDER, 'wrong-password-1'), 535);
    assert.equal(await authOnce(served, 'nobody@example.org', 'wrong-password-2'), 535);
    // A login that tries to plant another address in the line.
    assert.equal(await authOnce(served, 'x","clientIp":"198.51.100.66', 'wrong-password-3'), 535);
    assert.equal(await authOnce(served, SENDER, served.appPassword), 235);
    assert.equal(await served.stop(), 0);

    const logFile = path.join(temp.dir, 'mailwarden.log');
    writeFileSync(logFile, served.log());
    const failedLines = served
      .log()
      .split('\n')
      .filter((line) => line.includes('"msg":"sign-in failed"'));
    assert.equal(failedLines.length, 3, served.log());
    for (const line of failedLines) {
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(record).slice(0, 7), [
        'time',
        'level',
        'msg',
        'clientIp',
        'protocol',
        'reason',
        'login',
      ]);
      assert.equal(record.protocol, 'smtp');
      assert.equal(record.reason, 'bad-credentials');
      assert.doesNotMatch(line, /wrong-password/, 'the secret is never logged');
    }

    const matched = await fail2banRegex(logFile);
    assert.deepEqual(matched.ips, ['127.0.0.1', '127.0.0.1', '127.0.0.1'], matched.summary);
    // The sign-ins' transactions are not bans; nor is a line whose login carries an address.
    assert.ok(!matched.ips.includes('198.51.100.66'));
    assert.match(matched.summary, /3 matched/);
  });

  test('a log without refused sign-ins gives the filter nothing to ban', async () => {
    const logFile = path.join(temp.dir, 'quiet.log');
    writeFileSync(
      logFile,
      `${served
        .log()
        .split('\n')
        .filter((line) => line.length > 0 && !line.includes('"sign-in failed"'))
        .join('\n')}\n`,
    );
    const matched = await fail2banRegex(logFile);
    assert.deepEqual(matched.ips, []);
    assert.match(matched.summary, / 0 matched/);
  });
});
