import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { descendantsOf, signal } from '../support/daemons.js';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { MilterClient } from '../support/milter-client.js';
import {
  GTUBE,
  RSPAMD_SPAM_MARKER,
  type RspamdServer,
  rspamdInstalled,
  startRspamd,
} from '../support/rspamd-server.js';

const skip = rspamdInstalled() ? false : 'not installed: rspamd (apt-get install rspamd; .ci/run does it)';

/** Mailwarden alone scores this 6 (PHISHING_PHRASE 4 + URGENCY_PHRASE 2): below the default 10. */
const LURE = 'Your password expires today. Verify your account now or it will be suspended. Act now, urgent.';

function transport(harness: GatewayHarness, user: { address: string; password: string }) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: harness.smtpPort,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: user.address, pass: user.password },
  });
}

async function lastVerdict(harness: GatewayHarness, mailbox: string) {
  const { records } = await harness.app.audit.search({ mailbox, operations: ['SpamVerdict'] });
  return records[0];
}

async function lastSend(harness: GatewayHarness, mailbox: string) {
  const { records } = await harness.app.audit.search({ mailbox, operations: ['Send'], result: 'success' });
  return records[0];
}

function findingNames(record: { details?: Record<string, unknown> | null } | undefined): string[] {
  return ((record?.details?.['findings'] as Array<{ name: string }> | undefined) ?? []).map((f) => f.name);
}

describe('Rspamd asked about each outgoing message (spam.rspamdUrl)', { skip }, () => {
  let rspamd: RspamdServer;
  let harness: GatewayHarness;

  before(async () => {
    rspamd = await startRspamd();
    harness = await startGatewayHarness({
      overrides: {
        'spam.rspamdUrl': rspamd.url,
        'spam.rspamdTimeoutMs': 1500,
        'milter.listen': '127.0.0.1:0',
      },
    });
  });
  after(async () => {
    await harness?.cleanup();
    await rspamd?.stop();
  });

  test('a clean message is relayed with Rspamd’s answer kept in its Send record', async () => {
    const info = await transport(harness, BOB).sendMail({
      from: BOB.address,
      to: 'carol@customer.test',
      subject: 'Minutes',
      text: 'Hi Carol,\n\nattached the minutes.\n\nBob',
    });
    assert.match(info.response, /^250 /);
    const send = await lastSend(harness, BOB.address);
    assert.deepEqual(send?.details?.['spamEngine'], {
      engine: 'rspamd',
      score: 0,
      requiredScore: 15,
      action: 'no action',
      symbols: [],
    });
  });

  test('Rspamd’s reject alone holds a message Mailwarden’s own analysers pass (gateway)', async () => {
    const info = await transport(harness, ALICE).sendMail({
      from: ALICE.address,
      to: 'carol@customer.test',
      subject: 'Test pattern',
      text: `Hello,\n\n${GTUBE}\n`,
    });
    assert.match(info.response, /^250 .*queued as /);
    const verdict = await lastVerdict(harness, ALICE.address);
    assert.equal(verdict?.details?.['action'], 'hold');
    assert.deepEqual(findingNames(verdict), ['RSPAMD_REJECT']);
    assert.equal((verdict?.details?.['spamEngine'] as { action?: string })?.action, 'reject');
    assert.ok(!harness.upstream!.received.some((message) => message.raw.includes('Test pattern')));
  });

  test('Rspamd’s “add header” score counts with Mailwarden’s findings: together they reach the threshold', async () => {
    const info = await transport(harness, ALICE).sendMail({
      from: ALICE.address,
      to: 'carol@customer.test',
      subject: 'Account notice',
      text: `${LURE}\n${RSPAMD_SPAM_MARKER}\n`,
    });
    assert.match(info.response, /^250 /);
    const verdict = await lastVerdict(harness, ALICE.address);
    assert.equal(verdict?.details?.['action'], 'hold');
    const names = findingNames(verdict);
    assert.ok(names.includes('RSPAMD_SPAM'), names.join());
    assert.ok(names.includes('PHISHING_PHRASE'), names.join());
    const score = verdict?.details?.['score'] as number;
    assert.ok(score >= 10, `held at the default spamScore 10 (${score})`);
    assert.ok(score - 5 < 10, `Mailwarden's findings alone (${score - 5}) stay below it`);
    const engine = verdict?.details?.['spamEngine'] as { score: number; symbols: string[] };
    assert.equal(engine.score, 7);
    assert.deepEqual(engine.symbols, ['MW_TEST_MARKER']);
  });

  test('with spamAction reject, a message Rspamd rejects is refused after its RCPT with 554 5.7.1 and its reserved recipient is given back: nothing is charged', async () => {
    const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
    const set = await harness.app.outbound.setPolicy(
      'rspamd-reject',
      { settings: { spamAction: 'reject' }, scope: { users: [BOB.address] } },
      admin,
    );
    assert.ok(set.ok, JSON.stringify(set));
    const sent = async () => {
      const row = await harness.app.store.db
        .selectFrom('send_counters')
        .innerJoin('users', 'users.id', 'send_counters.user_id')
        .select((eb) => eb.fn.sum<number | string>('send_counters.external_recipients').as('n'))
        .where('users.address', '=', BOB.address)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    };
    const reserved = async () =>
      Number(
        (
          await harness.app.store.db
            .selectFrom('send_reservations')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n ?? 0,
      );
    try {
      const before = await sent();
      await assert.rejects(
        transport(harness, BOB).sendMail({
          from: BOB.address,
          to: 'carol@customer.test',
          subject: 'Refused test pattern',
          text: `Hello,\n\n${GTUBE}\n`,
        }),
        (error: { response?: string }) => {
          assert.match(error.response ?? '', /^554 5\.7\.1 /);
          return true;
        },
      );
      const verdict = await lastVerdict(harness, BOB.address);
      assert.deepEqual(findingNames(verdict), ['RSPAMD_REJECT']);
      assert.equal(await reserved(), 0, 'given back before the reply');
      assert.equal(await sent(), before, 'not charged');
    } finally {
      assert.ok((await harness.app.outbound.deletePolicy('rspamd-reject', admin)).ok);
    }
  });

  test('the milter path asks Rspamd too: GTUBE through Postfix’s milter protocol is held', async () => {
    const client = await MilterClient.connect(harness.server.milterPort()!);
    try {
      await client.negotiate();
      await client.connectFrom('127.0.0.1');
      const raw = Buffer.from(
        `From: ${BOB.address}\r\nTo: carol@customer.test\r\nSubject: Through Postfix\r\n\r\n${GTUBE}\r\n`,
      );
      const reply = await client.message({
        login: BOB.address,
        queueId: 'RSPAMD1',
        from: BOB.address,
        recipients: ['carol@customer.test'],
        raw,
      });
      assert.equal(reply?.code, 'd', 'held: Postfix answers 250 and discards');
      const verdict = await lastVerdict(harness, BOB.address);
      assert.deepEqual(findingNames(verdict), ['RSPAMD_REJECT']);
      assert.equal(verdict?.sessionId, 'RSPAMD1');
    } finally {
      client.close();
    }
  });

  test('Rspamd slow: past spam.rspamdTimeoutMs the message is judged on Mailwarden’s findings, logged and counted; then Rspamd answers again', async () => {
    const processes = [rspamd.pid, ...descendantsOf([rspamd.pid])];
    const before = harness.app.rspamd!.counters();
    for (const pid of processes) signal(pid, 'SIGSTOP');
    try {
      const info = await transport(harness, BOB).sendMail({
        from: BOB.address,
        to: 'carol@customer.test',
        subject: 'While Rspamd stalls',
        text: `Hello,\n\n${GTUBE}\n`,
      });
      assert.match(info.response, /^250 /);
    } finally {
      for (const pid of processes) signal(pid, 'SIGCONT');
    }
    const send = await lastSend(harness, BOB.address);
    assert.equal(send?.subject, 'While Rspamd stalls', 'relayed on Mailwarden’s own findings');
    assert.deepEqual(send?.details?.['spamEngine'], { engine: 'rspamd', unavailable: 'timeout' });
    assert.equal(harness.app.rspamd!.counters().timeout, before.timeout + 1);

    const again = await transport(harness, BOB).sendMail({
      from: BOB.address,
      to: 'carol@customer.test',
      subject: 'After the stall',
      text: 'Hi Carol,\n\nall good.\n\nBob',
    });
    assert.match(again.response, /^250 /);
    const next = await lastSend(harness, BOB.address);
    assert.equal((next?.details?.['spamEngine'] as { action?: string })?.action, 'no action');
  });
});

describe('Rspamd down or answering garbage: Mailwarden’s own findings decide', () => {
  let harness: GatewayHarness;
  let garbage: http.Server;
  let closedPort: number;

  before(async () => {
    garbage = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<html>It works!</html>');
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    harness = await startGatewayHarness({
      overrides: { 'spam.rspamdUrl': `http://127.0.0.1:${closedPort}`, 'spam.rspamdTimeoutMs': 1500 },
    });
  });
  after(async () => {
    await harness?.cleanup();
    await new Promise<void>((resolve) => garbage.close(() => resolve()));
  });

  test('Rspamd down: clean mail is relayed, phishing still held by Mailwarden’s findings; both noted and counted', async () => {
    const info = await transport(harness, BOB).sendMail({
      from: BOB.address,
      to: 'carol@customer.test',
      subject: 'Rspamd is down',
      text: 'Hi Carol,\n\nminutes attached.\n\nBob',
    });
    assert.match(info.response, /^250 /);
    const send = await lastSend(harness, BOB.address);
    assert.deepEqual(send?.details?.['spamEngine'], { engine: 'rspamd', unavailable: 'unreachable' });

    await transport(harness, ALICE).sendMail({
      from: ALICE.address,
      to: 'victim@customer.test',
      subject: 'Urgent: verify your account',
      text: LURE,
      html: `<p>${LURE} <a href="http://bit.ly/3xYz">https://login.microsoftonline.com/verify</a></p>`,
      attachments: [{ filename: 'invoice.pdf.exe', content: Buffer.from('MZ fake executable') }],
    });
    const verdict = await lastVerdict(harness, ALICE.address);
    assert.equal(verdict?.details?.['action'], 'hold');
    assert.ok(!findingNames(verdict).some((name) => name.startsWith('RSPAMD_')));
    assert.deepEqual(verdict?.details?.['spamEngine'], { engine: 'rspamd', unavailable: 'unreachable' });
    assert.equal(harness.app.rspamd!.counters().unreachable, 2);
  });

  test('an answer that is not Rspamd’s is a bad response, not a verdict', async () => {
    const client = harness.app.rspamd!;
    const { createRspamdClient } = await import('../../src/mailstack/index.js');
    const other = createRspamdClient({
      url: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`,
      timeoutMs: 1500,
      logger: harness.app.logger,
    });
    const outcome = await other.check({
      raw: Buffer.from('Subject: x\r\n\r\nhello\r\n'),
      envelopeFrom: BOB.address,
      recipients: ['carol@customer.test'],
      clientIp: '127.0.0.1',
      user: BOB.address,
      queueId: null,
    });
    assert.deepEqual(outcome, {
      ok: false,
      engine: 'rspamd',
      problem: 'bad-response',
      detail: 'HTTP 200, not JSON',
    });
    assert.equal(other.counters().badResponse, 1);
    assert.equal(client.counters().badResponse, 0);
  });
});
