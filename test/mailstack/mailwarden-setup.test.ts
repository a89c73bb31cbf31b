import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from 'selfsigned';
import type { App } from '../../src/app.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { freePort, runMailwarden } from '../support/cli-process.js';
import {
  descendantsOf,
  gidOf,
  processesMentioning,
  readOrEmpty,
  run,
  signal,
  uidOf,
  waitForExit,
  waitForPid,
  waitForPort,
} from '../support/daemons.js';
import { dovecotBase, postfixBase, postfixSubmissionMaster } from '../support/dovecot-auth-harness.js';
import { clientLogin, swaksAuth } from '../support/mail-sign-in-clients.js';
import { missingMailstackBinaries } from '../support/postfix-harness.js';
import { addUser, cliActor, createTestApp, makeTempDir, type TestApp } from '../support/test-app.js';

const SECRET = 'test-setup-dovecot-secret-0123456789';

const missing = [
  ...missingMailstackBinaries(),
  ...[
    '/usr/lib/dovecot/modules/auth/libauthdb_lua.so',
    '/usr/lib/dovecot/pop3-login',
    '/usr/lib/dovecot/managesieve-login',
  ]
    .filter((file) => !existsSync(file))
    .map((file) => file.split('/').at(-1)!),
];
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')} (.ci/run installs them)` : false;

describe('mailwarden setup writes files a real Dovecot 2.3 and Postfix run from; mailwarden doctor checks them', {
  skip,
}, () => {
  let testApp: TestApp;
  let app: App;
  let server: RunningServer | null = null;
  const temp = makeTempDir('mailwarden-setup-');
  const work = temp.dir;
  const dovecotDir = path.join(work, 'dovecot');
  const dovecotConf = path.join(work, 'dovecot.conf');
  const postfixDir = path.join(work, 'postfix');
  const spool = path.join(work, 'spool');
  const pids: number[] = [];
  let ports: { imapPort: number; pop3Port: number; sievePort: number; submissionPort: number };
  let env: Record<string, string>;
  let appPassword = '';

  const doctor = () =>
    runMailwarden(
      [
        'doctor',
        '--json',
        '--dovecot-dir',
        dovecotDir,
        '--dovecot-config',
        dovecotConf,
        '--postfix-dir',
        postfixDir,
      ],
      { env },
    );
  const findings = (stdout: string) =>
    (JSON.parse(stdout) as { findings: Array<{ check: string; ok: boolean; detail: string; fix?: string }> })
      .findings;

  before(async () => {
    const [httpPort, policyPort] = [await freePort(), await freePort()];
    ports = {
      imapPort: await freePort(),
      pop3Port: await freePort(),
      sievePort: await freePort(),
      submissionPort: await freePort(),
    };
    env = {
      MAILWARDEN_DOVECOT_AUTH_SECRET: SECRET,
      MAILWARDEN_HTTP_PORT: String(httpPort),
      MAILWARDEN_POLICY_PORT: String(policyPort),
    };
    testApp = await createTestApp('sqlite', {
      overrides: {
        'dovecot.authSecret': SECRET,
        'smtp.enabled': false,
        'smtps.enabled': false,
        'http.port': httpPort,
        'policy.port': policyPort,
      },
    });
    app = testApp.app;
    await addUser(app, 'alice@example.org', 'an-account-password-0');
    const created = await app.identity.createAppPassword(
      'alice@example.org',
      { name: 'mail client', scopes: ['imap', 'smtp'] },
      cliActor,
    );
    assert.ok(created.ok);
    appPassword = created.password;
    server = await startServer(app);
  });
  after(async () => {
    const dovecotPid = processesMentioning(dovecotConf)[0];
    if (dovecotPid !== undefined) pids.push(dovecotPid);
    const all = [...pids, ...descendantsOf(pids)];
    await run('postfix', ['-c', postfixDir, 'stop'], path.join(work, 'log', 'postfix-start.out')).catch(
      () => {},
    );
    for (const pid of pids) signal(pid, 'SIGTERM');
    await waitForExit(all, 15_000);
    await server?.stop();
    await testApp?.cleanup();
    if (!process.env['KEEP_DOVECOT_HARNESS']) temp.remove();
  });

  test('setup dovecot and setup postfix write the files with the secret, URL and ports filled in; the header is root:dovecot 0640 with no final newline', async () => {
    chmodSync(work, 0o755);
    const dovecotSetup = await runMailwarden(
      ['setup', 'dovecot', '--out', dovecotDir, '--dovecot-dir', dovecotDir, '--postfix-spool', spool],
      { env },
    );
    assert.equal(dovecotSetup.code, 0, dovecotSetup.stderr);
    const postfixSetup = await runMailwarden(
      ['setup', 'postfix', '--out', path.join(work, 'postfix-lines')],
      { env },
    );
    assert.equal(postfixSetup.code, 0, postfixSetup.stderr);
    const header = path.join(dovecotDir, 'mailwarden-auth.header');
    assert.equal(readFileSync(header, 'utf8'), `Authorization: Bearer ${SECRET}`);
    const stat = statSync(header);
    assert.equal(stat.mode & 0o777, 0o640);
    assert.deepEqual([stat.uid, stat.gid], [0, gidOf('dovecot')]);
    assert.match(
      readFileSync(path.join(dovecotDir, 'mailwarden-passdb.lua'), 'utf8'),
      new RegExp(`http://127\\.0\\.0\\.1:${env['MAILWARDEN_HTTP_PORT']}/dovecot/passdb`),
    );
    assert.match(
      readFileSync(path.join(dovecotDir, 'conf.d/92-mailwarden-postfix-sasl.conf'), 'utf8'),
      new RegExp(`unix_listener ${spool}/private/auth`),
    );
    assert.doesNotMatch(
      readFileSync(path.join(dovecotDir, 'conf.d/91-mailwarden-auth-policy.conf'), 'utf8'),
      /CHANGE-ME/,
    );
    assert.match(
      readFileSync(path.join(work, 'postfix-lines', 'master.cf'), 'utf8'),
      new RegExp(`inet:127\\.0\\.0\\.1:${env['MAILWARDEN_POLICY_PORT']}`),
    );
    // The repeat: nothing is replaced without --force.
    const again = await runMailwarden(['setup', 'dovecot', '--out', dovecotDir], { env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exist: add --force/);
  });

  test('a real Dovecot and Postfix started from those files sign in through Mailwarden, Postfix over the socket in its spool, and doctor finds nothing wrong', async () => {
    for (const dir of ['log', 'run', 'spool', 'tls', 'mail', 'run/postfix-data', 'postfix'])
      mkdirSync(path.join(work, dir), { recursive: true });
    chownSync(path.join(work, 'run/postfix-data'), uidOf('postfix'), 0);
    chownSync(path.join(work, 'mail'), uidOf('dovecot'), 0);
    const certificate = await generate([{ name: 'commonName', value: 'mail.example.org' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 2 * 24 * 3600 * 1000),
    });
    writeFileSync(path.join(work, 'tls', 'key.pem'), certificate.private, { mode: 0o600 });
    writeFileSync(path.join(work, 'tls', 'cert.pem'), certificate.cert, { mode: 0o644 });
    // The one step setup leaves to the admin: the mail location of the userdb.
    const auth = path.join(dovecotDir, 'conf.d/90-mailwarden-auth.conf');
    writeFileSync(
      auth,
      readFileSync(auth, 'utf8')
        .replace('/var/vmail/', `${work}/mail/`)
        .replace('uid=vmail gid=vmail', 'uid=dovecot gid=dovecot'),
    );
    writeFileSync(
      dovecotConf,
      `${dovecotBase(work, { ...ports, saslPort: null })}\n!include ${dovecotDir}/conf.d/*.conf\n`,
    );
    const lines = (name: string) => readFileSync(path.join(work, 'postfix-lines', name), 'utf8');
    writeFileSync(path.join(postfixDir, 'main.cf'), `${postfixBase(work)}${lines('main.cf')}`);
    writeFileSync(
      path.join(postfixDir, 'master.cf'),
      postfixSubmissionMaster(lines('master.cf'), ports.submissionPort),
    );
    // Postfix first: Dovecot puts its SASL socket into Postfix's private/ folder.
    await run('postfix', ['-c', postfixDir, 'start'], path.join(work, 'log', 'postfix-start.out'));
    pids.push(await waitForPid(path.join(spool, 'pid', 'master.pid')));
    await run('dovecot', ['-c', dovecotConf], path.join(work, 'log', 'dovecot-start.out'));
    pids.push(await waitForPid(path.join(work, 'run', 'dovecot', 'master.pid')));
    await waitForPort(ports.imapPort);
    await waitForPort(ports.submissionPort);

    const logs = () =>
      `${readOrEmpty(path.join(work, 'log', 'dovecot.log')).slice(-1500)}\n${readOrEmpty(path.join(work, 'log', 'postfix.log')).slice(-1500)}`;
    assert.equal(await clientLogin('imap', ports.imapPort, 'alice@example.org', appPassword), 'ok', logs());
    assert.equal(await swaksAuth(ports.submissionPort, 'alice@example.org', appPassword), 'ok', logs());
    const entries = await app.identity.listSignIns({ login: 'alice@example.org', limit: 10 });
    assert.deepEqual(entries.map((entry) => [entry.protocol, entry.result]).sort(), [
      ['imap', 'success'],
      ['smtp', 'success'],
    ]);

    const checked = await doctor();
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    const all = findings(checked.stdout);
    assert.ok(
      all.every((finding) => finding.ok),
      JSON.stringify(all, null, 2),
    );
    for (const check of [
      'header file',
      'Mailwarden at',
      'dovecot version',
      'Dovecot SASL socket',
      'postfix TLS',
      'policy service',
    ])
      assert.ok(
        all.some((finding) => finding.check.startsWith(check)),
        `doctor checks ${check}`,
      );
  });

  test('doctor names what is wrong and how to fix it: a header file with the wrong mode and a final newline, Mailwarden stopped; and all is well again once fixed', async () => {
    const header = path.join(dovecotDir, 'mailwarden-auth.header');
    chmodSync(header, 0o644);
    appendFileSync(header, '\n');
    await server?.stop();
    server = null;
    try {
      const checked = await doctor();
      assert.equal(checked.code, 1, checked.stdout + checked.stderr);
      const problems = findings(checked.stdout).filter((finding) => !finding.ok);
      const headerProblem = problems.find((finding) => finding.check.startsWith('header file'));
      assert.match(
        headerProblem?.detail ?? '',
        /mode 644, not 640.*ends with a newline/,
        JSON.stringify(problems),
      );
      assert.match(headerProblem?.fix ?? '', /chmod 0640/);
      const unreachable = problems.find((finding) => finding.check.startsWith('Mailwarden at'));
      assert.match(unreachable?.detail ?? '', /^unreachable/, JSON.stringify(problems));
      assert.match(unreachable?.fix ?? '', /start Mailwarden/);
      assert.ok(
        problems.some((finding) => finding.check.startsWith('policy service')),
        JSON.stringify(problems),
      );
      // The human form says the same, with the fix under each problem.
      const human = await runMailwarden(
        ['doctor', '--dovecot-dir', dovecotDir, '--dovecot-config', dovecotConf, '--postfix-dir', postfixDir],
        { env },
      );
      assert.equal(human.code, 1);
      assert.match(human.stdout, /^PROBLEM header file .*\n\s+fix: /m);
    } finally {
      writeFileSync(header, `Authorization: Bearer ${SECRET}`, { mode: 0o640 });
      chmodSync(header, 0o640);
      server = await startServer(app);
    }
    const fixed = await doctor();
    assert.equal(fixed.code, 0, fixed.stdout);
  });
});
