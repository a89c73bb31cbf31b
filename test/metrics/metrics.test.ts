import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createManualClock } from '../../src/runtime/clock.js';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import { MilterClient } from '../support/milter-client.js';
import { phishingMessage } from '../support/phishing.js';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { addUser, cliActor, createTestApp } from '../support/test-app.js';

/**
 * GET /metrics of a real server (SQLite, SMTP with STARTTLS, HTTP, the Postfix policy port, relaying
 * to a real upstream): each event is driven the way a client drives it, and the series that moved are
 * compared with the ones it should move: all of them, and no other.
 */

const AUTH_SECRET = 'metrics-dovecot-auth-secret-0123456789';
const EVENTS_SECRET = 'metrics-dovecot-events-secret-0123456789';
const root = path.resolve(import.meta.dirname, '..', '..', '..');

/** Python's smtplib submits over STARTTLS and always says QUIT and reads its 221 before it exits. */
const SMTPLIB = `
import json, smtplib, ssl, sys
args = json.loads(sys.argv[1])
client = smtplib.SMTP("127.0.0.1", args["port"], timeout=20)
outcome = "sent"
try:
    client.ehlo("metrics-test")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    client.starttls(context=context)
    client.ehlo("metrics-test")
    client.login(args["user"], args["password"])
    message = args.get("raw") or "Subject: metrics\\r\\n\\r\\nhello\\r\\n"
    refused = client.sendmail(args["from"], args["to"], message.encode("utf-8"))
    if refused:
        outcome = "partly refused"
except smtplib.SMTPResponseException as error:
    outcome = str(error.smtp_code)
except smtplib.SMTPRecipientsRefused as error:
    outcome = " ".join(str(code) for code, _ in error.recipients.values())
finally:
    client.quit()
print(outcome)
`;

async function smtplibSubmit(
  port: number,
  message: { user: string; password: string; from: string; to: string[]; raw?: string },
): Promise<string> {
  const { stdout } = await promisify(execFile)('python3', [
    '-c',
    SMTPLIB,
    JSON.stringify({ port, ...message }),
  ]);
  return stdout.trim();
}

type Series = Map<string, number>;

/** The page as series → value, without the process and Node.js series (they move by themselves). */
function parse(text: string): Series {
  const series: Series = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || !line.startsWith('mailwarden_')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/**
 * What moved between two scrapes. The policy histogram's buckets and sum depend on how long a
 * decision took, so only its _count is compared.
 */
function moved(before: Series, after: Series): Record<string, number> {
  const changes: Record<string, number> = {};
  for (const [name, value] of after) {
    if (/_duration_seconds_(bucket|sum)\b/.test(name)) continue;
    const delta = value - (before.get(name) ?? 0);
    if (delta !== 0) changes[name] = delta;
  }
  for (const [name, value] of before) if (!after.has(name)) changes[name] = -value;
  return changes;
}

describe('GET /metrics: each event moves its series and no other (sqlite)', () => {
  let harness: GatewayHarness;
  let http: string;
  let policy: PolicyClient;
  let milter: MilterClient | undefined;

  const scrape = async (): Promise<Series> => {
    const response = await fetch(`${http}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parse(await response.text());
  };
  /** Runs `event`, then returns what moved in /metrics. */
  const movedBy = async (event: () => Promise<unknown>): Promise<Record<string, number>> => {
    const before = await scrape();
    await event();
    await harness.app.audit.flush();
    await harness.app.dovecotEvents.drained();
    return moved(before, await scrape());
  };
  const passdb = (fields: Record<string, string>) =>
    fetch(`${http}/dovecot/passdb`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${AUTH_SECRET}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    });

  before(async () => {
    harness = await startGatewayHarness({
      processMetrics: true,
      overrides: {
        'http.enabled': true,
        'policy.enabled': true,
        'smtps.enabled': false,
        'dovecot.authSecret': AUTH_SECRET,
        'dovecot.eventsSecret': EVENTS_SECRET,
        // Nothing listens there: every message's Rspamd check is 'unreachable', and judged without it.
        'spam.rspamdUrl': 'http://127.0.0.1:9',
        'spam.rspamdTimeoutMs': 2000,
        'milter.listen': '127.0.0.1:0',
      },
    });
    http = `http://127.0.0.1:${harness.server.httpPort()}`;
    const lowered = await harness.app.settings.change({ 'lockout.threshold': 3 }, cliActor);
    assert.ok(lowered.ok);
    policy = await PolicyClient.connect(harness.server.policyPort() ?? 0);
  });
  after(async () => {
    policy?.close();
    milter?.close();
    await harness?.cleanup();
  });

  test('a relayed submission: one session, its replies by code, a sign-in, a relayed message, its records', async () => {
    const changes = await movedBy(async () => {
      const outcome = await smtplibSubmit(harness.smtpPort, {
        user: ALICE.address,
        password: ALICE.password,
        from: ALICE.address,
        to: ['carol@customer.test'],
      });
      assert.equal(outcome, 'sent');
    });
    assert.deepEqual(changes, {
      'mailwarden_smtp_sessions_total{listener="starttls"}': 1,
      // Greeting, STARTTLS; two EHLOs, MAIL, RCPT, the message; AUTH; DATA; QUIT.
      'mailwarden_smtp_replies_total{code="220"}': 2,
      'mailwarden_smtp_replies_total{code="250"}': 5,
      'mailwarden_smtp_replies_total{code="235"}': 1,
      'mailwarden_smtp_replies_total{code="354"}': 1,
      'mailwarden_smtp_replies_total{code="221"}': 1,
      'mailwarden_sign_ins_total{protocol="smtp",result="success"}': 1,
      'mailwarden_messages_total{outcome="relayed"}': 1,
      'mailwarden_rspamd_checks_total{outcome="unreachable"}': 1,
      'mailwarden_audit_records_total{operation="MailboxLogin"}': 1,
      'mailwarden_audit_records_total{operation="Send"}': 1,
    });
    assert.equal(harness.upstream?.received.length, 1);
  });

  test('a refused sender: its 550 is counted by code, and no message moves', async () => {
    const changes = await movedBy(async () => {
      const outcome = await smtplibSubmit(harness.smtpPort, {
        user: ALICE.address,
        password: ALICE.password,
        from: BOB.address,
        to: ['carol@customer.test'],
      });
      assert.equal(outcome, '550');
    });
    assert.deepEqual(changes, {
      'mailwarden_smtp_sessions_total{listener="starttls"}': 1,
      // Greeting, STARTTLS; two EHLOs and smtplib's RSET after the refusal; AUTH; MAIL FROM; QUIT.
      'mailwarden_smtp_replies_total{code="220"}': 2,
      'mailwarden_smtp_replies_total{code="250"}': 3,
      'mailwarden_smtp_replies_total{code="235"}': 1,
      'mailwarden_smtp_replies_total{code="550"}': 1,
      'mailwarden_smtp_replies_total{code="221"}': 1,
      'mailwarden_sign_ins_total{protocol="smtp",result="success"}': 1,
      'mailwarden_audit_records_total{operation="MailboxLogin"}': 1,
      // The refusal's SendAs record is grouped for a minute (refused-submissions.ts): not written yet.
    });
  });

  test('a refused SMTP sign-in: its 535 and the refusal code by protocol', async () => {
    const changes = await movedBy(async () => {
      const outcome = await smtplibSubmit(harness.smtpPort, {
        user: ALICE.address,
        password: 'not-the-password',
        from: ALICE.address,
        to: ['carol@customer.test'],
      });
      assert.equal(outcome, '535');
    });
    // smtplib tries AUTH PLAIN, then AUTH LOGIN (334 for the password): two refused sign-ins.
    assert.deepEqual(changes, {
      'mailwarden_smtp_sessions_total{listener="starttls"}': 1,
      'mailwarden_smtp_replies_total{code="220"}': 2,
      'mailwarden_smtp_replies_total{code="250"}': 2,
      'mailwarden_smtp_replies_total{code="334"}': 1,
      'mailwarden_smtp_replies_total{code="535"}': 2,
      'mailwarden_smtp_replies_total{code="221"}': 1,
      'mailwarden_sign_ins_total{protocol="smtp",result="bad-credentials"}': 2,
      'mailwarden_audit_records_total{operation="MailboxLogin"}': 2,
    });
  });

  test('IMAP and POP3 sign-ins through Dovecot’s passdb: success and failure by protocol', async () => {
    for (const [service, password, result] of [
      ['imap', BOB.password, 'success'],
      ['imap', 'wrong-password', 'bad-credentials'],
      ['pop3', BOB.password, 'success'],
      ['pop3', 'wrong-password', 'bad-credentials'],
    ] as const) {
      const changes = await movedBy(async () => {
        const response = await passdb({ user: BOB.address, password, service, rip: '198.51.100.4' });
        assert.equal(response.status, result === 'success' ? 200 : 403);
      });
      assert.deepEqual(
        changes,
        {
          [`mailwarden_sign_ins_total{protocol="${service}",result="${result}"}`]: 1,
          'mailwarden_audit_records_total{operation="MailboxLogin"}': 1,
        },
        `${service} ${result}`,
      );
    }
  });

  test('a lockout: the third wrong password from one network locks it out, once', async () => {
    const fail = (password: string) => () =>
      passdb({ user: BOB.address, password, service: 'imap', rip: '203.0.113.50' });
    await fail('guess-1')();
    await fail('guess-2')();
    const changes = await movedBy(fail('guess-3'));
    assert.deepEqual(changes, {
      'mailwarden_sign_ins_total{protocol="imap",result="bad-credentials"}': 1,
      mailwarden_lockouts_total: 1,
      'mailwarden_audit_records_total{operation="MailboxLogin"}': 1,
      'mailwarden_audit_records_total{operation="LockOut"}': 1,
    });
    const locked = await movedBy(fail('guess-4'));
    assert.deepEqual(locked, {
      'mailwarden_sign_ins_total{protocol="imap",result="locked-out"}': 1,
      'mailwarden_audit_records_total{operation="MailboxLogin"}': 1,
    });
  });

  test('a policy decision through the Postfix policy port: counted by decision, with its latency', async () => {
    const changes = await movedBy(async () => {
      const reply = await policy.ask(
        rcptRequest({ sasl_username: BOB.address, sender: BOB.address, instance: 'metrics.1' }),
      );
      assert.equal(reply, 'DUNNO');
    });
    assert.deepEqual(changes, {
      'mailwarden_policy_decisions_total{decision="allowed"}': 1,
      mailwarden_policy_decision_duration_seconds_count: 1,
    });
  });

  test('an alert: an unknown login through the policy port raises unknown-sender', async () => {
    const changes = await movedBy(async () => {
      const reply = await policy.ask(
        rcptRequest({
          sasl_username: 'ghost@example.org',
          sender: 'ghost@example.org',
          instance: 'metrics.2',
        }),
      );
      assert.equal(reply, 'DUNNO');
    });
    const [alert] = await harness.app.alerts.list({ mailbox: 'ghost@example.org' });
    assert.ok(alert);
    assert.deepEqual(changes, {
      'mailwarden_policy_decisions_total{decision="allowed"}': 1,
      mailwarden_policy_decision_duration_seconds_count: 1,
      [`mailwarden_alerts_raised_total{type="unknown-sender",severity="${alert.severity}"}`]: 1,
      [`mailwarden_alerts_open{severity="${alert.severity}"}`]: 1,
    });
  });

  test('a restriction by a sending limit, then its release over the API', async () => {
    // A sender of its own: bob's failed sign-ins above make his account password a risk on mail.
    const dave = { address: 'dave@example.org', password: 'dave-password-8910' };
    await addUser(harness.app, dave.address, dave.password);
    const set = await harness.app.outbound.setPolicy(
      'tight',
      { scope: { users: [dave.address] }, settings: { externalPerHour: 1 } },
      cliActor,
    );
    assert.ok(set.ok, JSON.stringify(set));
    const restricted = await movedBy(async () => {
      const outcome = await smtplibSubmit(harness.smtpPort, {
        user: dave.address,
        password: dave.password,
        from: dave.address,
        to: ['one@customer.test', 'two@customer.test'],
      });
      assert.equal(outcome, '550');
    });
    const restriction = Object.entries(restricted).filter(([name]) => /restrict|release|alerts/.test(name));
    assert.deepEqual(Object.fromEntries(restriction), {
      'mailwarden_sender_restrictions_total{reason="hourly-external-limit"}': 1,
      mailwarden_restricted_senders: 1,
      'mailwarden_alerts_raised_total{type="user-restricted",severity="high"}': 1,
      'mailwarden_alerts_raised_total{type="sending-limit-exceeded",severity="medium"}': 1,
      // The first recipient used the whole hourly limit of 1: past earlyWarningPercent.
      'mailwarden_alerts_raised_total{type="suspicious-sending",severity="medium"}': 1,
      'mailwarden_alerts_open{severity="high"}': 1,
      'mailwarden_alerts_open{severity="medium"}': 2,
    });
    assert.equal(restricted['mailwarden_audit_records_total{operation="RestrictSender"}'], 1);

    const token = await harness.app.directory.createApiToken(
      { name: 'metrics-admin', role: 'admin' },
      cliActor,
    );
    assert.ok(token.ok);
    const released = await movedBy(async () => {
      const response = await fetch(`${http}/api/v1/restricted/${dave.address}/release`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'metrics test release', force: true }),
      });
      assert.equal(response.status, 200);
    });
    assert.deepEqual(released, {
      mailwarden_sender_releases_total: 1,
      mailwarden_restricted_senders: -1,
      'mailwarden_audit_records_total{operation="ReleaseSender"}': 1,
    });
  });

  test('a Dovecot event: accepted on /dovecot/events and committed as its audit record', async () => {
    const event = {
      event: 'imap_command_finished',
      end_time: new Date().toISOString(),
      fields: {
        user: BOB.address,
        session: 'metrics-session',
        remote_ip: '198.51.100.4',
        mailbox: 'INBOX',
        tagged_reply_state: 'OK',
        cmd_name: 'CREATE',
        cmd_args: 'Projects',
      },
    };
    const changes = await movedBy(async () => {
      const response = await fetch(`${http}/dovecot/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${EVENTS_SECRET}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      assert.equal(response.status, 204);
    });
    assert.deepEqual(changes, {
      'mailwarden_dovecot_events_total{outcome="accepted"}': 1,
      'mailwarden_audit_records_total{operation="FolderCreate"}': 1,
    });
  });

  test('a message through the milter: its decision, a passed message and its Send record', async () => {
    milter = await MilterClient.connect(harness.server.milterPort() ?? 0);
    await milter.negotiate();
    assert.equal((await milter.connectFrom('203.0.113.7'))?.code, 'c');
    const raw = Buffer.from(
      [
        `From: <${ALICE.address}>`,
        'To: <dana@customer.test>',
        'Subject: milter metrics',
        'Message-ID: <milter-metrics@example.org>',
        '',
        'Hello Dana',
        '',
      ].join('\r\n'),
    );
    const changes = await movedBy(async () => {
      const reply = await milter?.message({
        login: ALICE.address,
        queueId: 'METRICS1',
        from: ALICE.address,
        recipients: ['dana@customer.test'],
        raw,
      });
      assert.equal(reply?.code, 'a');
    });
    assert.deepEqual(changes, {
      'mailwarden_milter_decisions_total{decision="accept"}': 1,
      'mailwarden_messages_total{outcome="passed"}': 1,
      'mailwarden_rspamd_checks_total{outcome="unreachable"}': 1,
      'mailwarden_audit_records_total{operation="Send"}': 1,
    });
  });

  test('process and Node.js series under their standard names', async () => {
    const text = await (await fetch(`${http}/metrics`)).text();
    for (const family of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ])
      assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family);
  });

  test('every metric the Grafana dashboard queries is one this server exports', async () => {
    const text = await (await fetch(`${http}/metrics`)).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => match[1] ?? ''));
    const dashboard = JSON.parse(
      readFileSync(path.join(root, 'deploy', 'grafana', 'mailwarden.json'), 'utf8'),
    );
    const expressions: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object')
        for (const [key, value] of Object.entries(node)) {
          if (key === 'expr' && typeof value === 'string') expressions.push(value);
          else walk(value);
        }
    };
    walk(dashboard);
    assert.ok(expressions.length >= 10, `only ${expressions.length} queries`);
    const named = new Set(
      expressions.flatMap((expr) =>
        [...expr.matchAll(/\b(?:mailwarden|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]),
      ),
    );
    const unknown = [...named].filter(
      (name) => !exported.has(name) && !exported.has(name.replace(/_(bucket|count|sum)$/, '')),
    );
    assert.deepEqual(unknown, []);
    // And every family of ours has a panel.
    const shown = [...exported].filter((name) => name.startsWith('mailwarden_'));
    const missing = shown.filter(
      (family) => ![...named].some((name) => name === family || name.startsWith(`${family ?? ''}_`)),
    );
    assert.deepEqual(missing, []);
  });
});

describe('GET /metrics while the database is down', () => {
  test('serves the page: the database gauges are absent and counted as scrape errors', async () => {
    const testApp = await createTestApp('sqlite', { overrides: { 'http.enabled': false } });
    const { createHttpApp } = await import('../../src/http.js');
    const http = createHttpApp(testApp.app);
    const first = await (await http.request('/metrics')).text();
    assert.match(first, /^mailwarden_restricted_senders 0$/m);
    assert.match(first, /^mailwarden_scrape_errors_total\{reading="restricted_senders"\} 0$/m);
    await testApp.app.store.close();
    try {
      const response = await http.request('/metrics');
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.doesNotMatch(text, /^mailwarden_restricted_senders /m);
      assert.doesNotMatch(text, /^mailwarden_notification_backlog\{/m);
      assert.doesNotMatch(text, /^mailwarden_alerts_open\{/m);
      for (const reading of ['restricted_senders', 'notification_backlog', 'alerts_open'])
        assert.match(text, new RegExp(`^mailwarden_scrape_errors_total\\{reading="${reading}"\\} 1$`, 'm'));
      // What the process counts itself is still there.
      assert.match(text, /^mailwarden_dovecot_events_backlog 0$/m);
    } finally {
      await testApp.cleanup().catch(() => {});
    }
  });
});

describe('the audit ingest lag and committed records', () => {
  test('the lag is how long the oldest accepted Dovecot event has waited, and 0 once it is in the log', async () => {
    const clock = createManualClock(Date.parse('2026-12-07T10:00:00Z'));
    const testApp = await createTestApp('sqlite', {
      clock,
      overrides: { 'http.enabled': false, 'dovecot.eventsSecret': EVENTS_SECRET },
    });
    try {
      const { app } = testApp;
      const lag = async () =>
        Number(/^mailwarden_audit_ingest_lag_seconds (\S+)$/m.exec(await app.metrics.source.text())?.[1]);
      assert.equal(await lag(), 0);
      const accepted = await app.dovecotEvents.accept(
        JSON.stringify({
          event: 'imap_command_finished',
          end_time: new Date(clock.nowMs()).toISOString(),
          fields: {
            user: 'erin@example.org',
            session: 'lag-session',
            remote_ip: '198.51.100.9',
            mailbox: 'INBOX',
            tagged_reply_state: 'OK',
            cmd_name: 'CREATE',
            cmd_args: 'Later',
          },
        }),
      );
      assert.ok(accepted.ok);
      // Read at once: nothing the drain does can commit before this turn of the event loop ends.
      clock.advanceMs(7000);
      const waiting = app.dovecotEvents.counters();
      assert.equal(waiting.lagSeconds, 7);
      await app.dovecotEvents.drained();
      assert.equal(await lag(), 0);
    } finally {
      await testApp.cleanup();
    }
  });

  test('a record whose transaction rolls back is never counted; a committed one is, once', async () => {
    const testApp = await createTestApp('sqlite', { overrides: { 'http.enabled': false } });
    try {
      const { app } = testApp;
      const restrictions = async () =>
        Number(
          /^mailwarden_sender_restrictions_total\{reason="manual-test"\} (\d+)$/m.exec(
            await app.metrics.source.text(),
          )?.[1] ?? 0,
        );
      const record = {
        operation: 'RestrictSender' as const,
        result: 'success' as const,
        mailbox: 'frank@example.org',
        actor: 'system',
        logonType: 'system' as const,
        details: { reason: 'manual-test' },
      };
      await assert.rejects(
        app.store.writeTransaction(async (trx) => {
          await app.audit.appendWithin(trx, [record]);
          throw new Error('rolled back on purpose');
        }),
        /rolled back on purpose/,
      );
      assert.equal(await restrictions(), 0);
      await app.store.writeTransaction((trx) => app.audit.appendWithin(trx, [record]));
      assert.equal(await restrictions(), 1);
    } finally {
      await testApp.cleanup();
    }
  });
});

describe('GET /metrics: spooled and held messages (sqlite, no relay)', () => {
  test('a clean message is spooled, a phishing message is held: each moves its outcome only', async () => {
    const harness = await startGatewayHarness({ relay: 'spool', overrides: { 'http.enabled': false } });
    try {
      const outcomes = async () =>
        Object.fromEntries(
          [...parse(await harness.app.metrics.source.text())].filter(([name]) =>
            name.startsWith('mailwarden_messages_total'),
          ),
        );
      const send = (raw?: string) =>
        smtplibSubmit(harness.smtpPort, {
          user: ALICE.address,
          password: ALICE.password,
          from: ALICE.address,
          to: ['carol@customer.test'],
          ...(raw ? { raw } : {}),
        });
      assert.equal(await send(), 'sent');
      assert.deepEqual(await outcomes(), { 'mailwarden_messages_total{outcome="spooled"}': 1 });
      // Held: the client gets 250 like for any accepted message (an attacker learns nothing).
      assert.equal(await send(phishingMessage(ALICE.address, 1).raw.toString('utf8')), 'sent');
      assert.deepEqual(await outcomes(), {
        'mailwarden_messages_total{outcome="spooled"}': 1,
        'mailwarden_messages_total{outcome="held"}': 1,
      });
    } finally {
      await harness.cleanup();
    }
  });
});
