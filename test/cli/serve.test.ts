import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, runMailwarden, startMailwardenServe } from '../support/cli-process.js';
import { SmtpDialogue } from '../support/smtp-dialogue.js';
import { makeTempDir } from '../support/test-app.js';

const SMTPLIB_CLIENT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/clients/smtplib_submit.py',
);
const run = promisify(execFile);

interface SmtplibResult {
  ok: boolean;
  code: number;
  reply: string;
  stage: string;
}

async function smtplib(port: number, ...args: string[]): Promise<SmtplibResult> {
  const { stdout } = await run('python3', [SMTPLIB_CLIENT, String(port), ...args], { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as SmtplibResult;
}

describe('mailwarden serve on its embedded defaults (SQLite, local spool)', () => {
  const temp = makeTempDir('mailwarden-serve-');
  const dataDir = path.join(temp.dir, 'data');
  let env: Record<string, string>;
  let server: Awaited<ReturnType<typeof startMailwardenServe>>;
  let ports: { smtp: number; smtps: number; http: number };

  before(async () => {
    ports = { smtp: await freePort(), smtps: await freePort(), http: await freePort() };
    env = {
      MAILWARDEN_DATA_DIR: dataDir,
      MAILWARDEN_SMTP_PORT: String(ports.smtp),
      MAILWARDEN_SMTPS_PORT: String(ports.smtps),
      MAILWARDEN_HTTP_PORT: String(ports.http),
      MAILWARDEN_POLICY_PORT: '0',
      MAILWARDEN_SHUTDOWN_GRACE_MS: '5000',
    };
    assert.equal((await runMailwarden(['domain', 'add', 'example.org'], { env })).code, 0);
    const user = await runMailwarden(['user', 'add', 'alice@example.org', '--password-stdin'], {
      env,
      input: 'alice-password-123\n',
    });
    assert.equal(user.code, 0, user.stderr);
    // These tests sign in with the account password, which mail clients may use only when allowed.
    const allowed = await runMailwarden(['org', 'set', 'mailSignIn.accountPassword', 'allowed'], { env });
    assert.equal(allowed.code, 0, allowed.stderr);
    server = await startMailwardenServe({ env });
  });
  after(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    temp.remove();
  });

  test('Python smtplib sends over STARTTLS and over implicit TLS, and the spool holds each whole message', async () => {
    const starttls = await smtplib(
      ports.smtp,
      'alice@example.org',
      'alice-password-123',
      'alice@example.org',
      'carol@customer.test',
      'via starttls',
    );
    assert.deepEqual(starttls, { ok: true, code: 250, reply: 'sent', stage: 'send' });
    const implicit = await smtplib(
      ports.smtps,
      'alice@example.org',
      'alice-password-123',
      'alice@example.org',
      'carol@customer.test',
      'via implicit',
      'implicit',
    );
    assert.equal(implicit.ok, true, JSON.stringify(implicit));
    const spool = path.join(dataDir, 'spool');
    const files = readdirSync(spool).filter((name) => name.endsWith('.eml'));
    assert.equal(files.length, 2);
    const texts = files.map((name) => readFileSync(path.join(spool, name), 'utf8'));
    const starttlsMessage = texts.find((text) => text.includes('Subject: via starttls'));
    assert.ok(starttlsMessage);
    assert.match(
      starttlsMessage,
      /^Return-Path: <alice@example\.org>\r\nX-Mailwarden-Rcpt-To: <carol@customer\.test>\r\n/,
    );
    assert.match(starttlsMessage, /Sent by smtplib\./);
    assert.deepEqual(readdirSync(path.join(spool, 'tmp')), [], 'no partial files are left behind');
  });

  test('Python smtplib gets 535 5.7.8, 530 5.7.0 and 550 5.7.60 where it should', async () => {
    const wrong = await smtplib(
      ports.smtp,
      'alice@example.org',
      'wrong-password-000',
      'alice@example.org',
      'x@customer.test',
      'nope',
    );
    assert.equal(wrong.code, 535);
    assert.match(wrong.reply, /^5\.7\.8 /);
    const cleartext = await smtplib(
      ports.smtp,
      'alice@example.org',
      'alice-password-123',
      'alice@example.org',
      'x@customer.test',
      'nope',
      'plain-auth',
    );
    assert.equal(cleartext.code, 530);
    assert.equal(cleartext.reply, '5.7.0 Must issue a STARTTLS command first');
    const spoofed = await smtplib(
      ports.smtp,
      'alice@example.org',
      'alice-password-123',
      'ceo@example.org',
      'x@customer.test',
      'nope',
    );
    assert.equal(spoofed.code, 550);
    assert.equal(spoofed.reply, '5.7.60 Client does not have permissions to send as this sender');
  });

  test('the audit log shows the sign-ins and the sent messages', async () => {
    const sends = JSON.parse(
      (await runMailwarden(['audit', 'search', '--operation', 'Send', '--json'], { env })).stdout,
    );
    assert.deepEqual(sends.map((record: { subject: string }) => record.subject).sort(), [
      'via implicit',
      'via starttls',
    ]);
    assert.equal(sends[0].messageId.startsWith('<smtplib-via-'), true);
    const logins = JSON.parse(
      (await runMailwarden(['audit', 'search', '--operation', 'MailboxLogin', '--json'], { env })).stdout,
    ) as Array<{ result: string }>;
    assert.ok(logins.some((record) => record.result === 'failure'));
    assert.ok(logins.some((record) => record.result === 'success'));
  });

  test('/healthz reports the database and the spool', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.http}/healthz`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      status: string;
      database: { ok: boolean };
      delivery: { target: string };
    };
    assert.equal(body.status, 'ok');
    assert.equal(body.database.ok, true);
    assert.match(body.delivery.target, /^spool:/);
  });

  test('SIGTERM stops accepting, lets the message in flight finish, and a second start just works', async () => {
    const { client } = await SmtpDialogue.connect(ports.smtp);
    await client.command('EHLO client.test');
    await client.startTls();
    await client.command('EHLO client.test');
    assert.equal((await client.authPlain('alice@example.org', 'alice-password-123')).code, 235);
    assert.equal((await client.command('MAIL FROM:<alice@example.org>')).code, 250);
    assert.equal((await client.command('RCPT TO:<carol@customer.test>')).code, 250);
    assert.equal((await client.command('DATA')).code, 354);

    server.child.kill('SIGTERM');
    await waitFor(() => server.log().includes('stopping'));
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: ports.smtp });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    assert.ok(refused, 'no new connections after SIGTERM');

    const finished = await client.command('Subject: in flight\r\n\r\nfinished after SIGTERM\r\n.');
    assert.equal(finished.code, 250, finished.text);
    await client.quit();
    assert.equal(await server.exited, 0);
    assert.match(server.log(), /"stopped"/);

    server = await startMailwardenServe({ env });
    const again = await smtplib(
      ports.smtp,
      'alice@example.org',
      'alice-password-123',
      'alice@example.org',
      'carol@customer.test',
      'after restart',
    );
    assert.equal(again.ok, true, JSON.stringify(again));
    // The refused send-as of an earlier test was still gathered in memory at SIGTERM: written then.
    const refusals = JSON.parse(
      (
        await runMailwarden(['audit', 'search', '--operation', 'SendAs', '--result', 'failure', '--json'], {
          env,
        })
      ).stdout,
    ) as Array<{ protocol: string; details: Record<string, unknown> }>;
    assert.equal(refusals.length, 1, JSON.stringify(refusals));
    assert.equal(refusals[0]?.protocol, 'smtp');
    assert.equal(refusals[0]?.details['reply'], '550 5.7.60');
    assert.equal(refusals[0]?.details['from'], 'ceo@example.org');
    assert.equal(refusals[0]?.details['count'], 1);
    const verify = await runMailwarden(['audit', 'verify', '--json'], { env });
    assert.equal(JSON.parse(verify.stdout).ok, true);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok(existsSync(path.join(dataDir, 'tls', 'self-signed-cert.pem')));
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
