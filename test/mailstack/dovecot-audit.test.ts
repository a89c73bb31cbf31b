import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AuditRecord } from '../../src/audit/index.js';
import type { RunningServer } from '../../src/server.js';
import { type BesideDovecot, startMailwardenBesideDovecot } from '../support/beside-dovecot.js';
import { type DovecotImapHarness, missingDovecotParts } from '../support/dovecot-imap-harness.js';
import type { TestApp } from '../support/test-app.js';
import type { startUpstreamServer } from '../support/upstream-server.js';

const ALICE = { login: 'alice@example.org', password: 'alice-imap-password' };
const SECRET = 'dovecot-events-test-secret';
const CLIENT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/clients/imap_audit_session.py',
);

/**
 * Runs a program without blocking the event loop: Mailwarden and the SMTP server the redirect goes to
 * run in this process and must answer Dovecot meanwhile.
 */
function run(
  program: string,
  args: string[],
  input?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(program, args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}
const python = (args: string[]) => run('python3', args);

const missing = missingDovecotParts();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')} (.ci/run installs them)` : false;

/** What a record says, without what differs per run (ids, times, session ids, hashes). */
function summary(record: AuditRecord) {
  const details = record.details ?? {};
  return {
    operation: record.operation,
    result: record.result,
    mailbox: record.mailbox,
    actor: record.actor,
    logonType: record.logonType,
    protocol: record.protocol,
    folder: record.folder,
    destinationFolder: record.destinationFolder,
    itemIds: record.itemIds,
    extra: JSON.stringify(
      Object.fromEntries(
        ['flags', 'criteria', 'action', 'script', 'redirectTargets', 'redirectTarget', 'itemCount'].flatMap(
          (key) => (key in details ? [[key, details[key]]] : []),
        ),
      ),
    ),
  };
}

describe('mailbox audit records from a real Dovecot (event exporter → /dovecot/events)', { skip }, () => {
  let testApp: TestApp;
  let server: RunningServer;
  let dovecot: DovecotImapHarness;
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;

  const aliceRecords = async () =>
    (await testApp.app.audit.search({ mailbox: ALICE.login, limit: 1000 })).records.reverse();
  const waitFor = async (what: string, ready: (records: AuditRecord[]) => boolean) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const records = await aliceRecords();
      if (ready(records)) return records;
      if (Date.now() > deadline)
        assert.fail(
          `${what} never arrived; got ${records.map((r) => r.operation).join(', ')}\n${dovecot.log().slice(-3000)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  let besideDovecot: BesideDovecot | undefined;
  before(async () => {
    besideDovecot = await startMailwardenBesideDovecot({ eventsSecret: SECRET, users: [ALICE] });
    ({ testApp, server, dovecot, upstream } = besideDovecot);
    // These tests record forwarding as it happens: the sending policy allows it (its default,
    // automatic = off, deactivates such a rule: secure-account.test.ts).
    const allowed = await testApp.app.outbound.setPolicy(
      'default',
      { settings: { externalForwarding: 'on' } },
      { actor: 'test', logonType: 'admin' },
    );
    assert.ok(allowed.ok);
  });
  after(() => besideDovecot?.stop());

  test('an IMAP session that reads, flags, copies, moves, deletes and uploads a Sieve redirect produces exactly the expected records', async () => {
    const before = (await aliceRecords()).length;
    const run = await python([
      CLIENT,
      String(dovecot.imapPort),
      String(dovecot.managesievePort),
      ALICE.login,
      ALICE.password,
    ]);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);

    // The ManageSieve session comes last. Not the HardDelete: Dovecot may post an EXPUNGE's
    // mail_expunged events after the command's own event, and then the expunged messages wait in the
    // session's HardDelete window, which the server's timer closes SESSION_END_GRACE_MS after the
    // session ends (up to its next tick); closeItemWindows below closes it at once.
    await waitFor(
      'the ManageSieve records',
      (list) => list.filter((record) => record.operation === 'UpdateInboxRules').length >= 2,
    );
    // Dovecot's stats process posts events one at a time; give stragglers a moment. The session's
    // read window is written SESSION_END_GRACE_MS after its LOGOUT by the server's timer; here at once.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await testApp.app.audit.closeItemWindows(Date.now() + 3_600_000);
    // Only what the session caused (not the AddUser record of the set-up).
    const all = (await aliceRecords()).slice(before).map(summary);

    const owner = {
      result: 'success',
      mailbox: ALICE.login,
      actor: ALICE.login,
      logonType: 'owner',
    } as const;
    const imap = { ...owner, protocol: 'imap', destinationFolder: null } as const;
    const expected = [
      {
        ...owner,
        operation: 'MailboxLogin',
        protocol: 'imap',
        folder: null,
        destinationFolder: null,
        itemIds: null,
        extra: '{}',
      },
      { ...imap, operation: 'FolderCreate', folder: 'Archive', itemIds: null, extra: '{}' },
      ...[1, 2, 3, 4, 5].map((uid) => ({
        ...imap,
        operation: 'Create',
        folder: 'INBOX',
        itemIds: [String(uid)],
        extra: '{}',
      })),
      {
        ...imap,
        operation: 'SearchQueryInitiated',
        folder: 'INBOX',
        itemIds: null,
        extra: '{"criteria":"SUBJECT invoice"}',
      },
      {
        ...imap,
        operation: 'Update',
        folder: 'INBOX',
        itemIds: ['1'],
        extra: '{"flags":"+FLAGS (\\\\Flagged)"}',
      },
      {
        ...imap,
        operation: 'Copy',
        folder: 'INBOX',
        destinationFolder: 'Archive',
        itemIds: ['2'],
        extra: '{}',
      },
      {
        ...imap,
        operation: 'Move',
        folder: 'INBOX',
        destinationFolder: 'Archive',
        itemIds: ['3'],
        extra: '{}',
      },
      {
        ...imap,
        operation: 'MoveToDeletedItems',
        folder: 'INBOX',
        destinationFolder: 'Trash',
        itemIds: ['4'],
        extra: '{}',
      },
      {
        ...imap,
        operation: 'SoftDelete',
        folder: 'INBOX',
        itemIds: ['5'],
        extra: '{"flags":"+FLAGS (\\\\Deleted)"}',
      },
      // From the expunged message's own event, whether it arrived before or after the EXPUNGE's.
      { ...imap, operation: 'HardDelete', folder: 'INBOX', itemIds: ['5'], extra: '{"itemCount":1}' },
      // One record for the whole read: the session's window, closed after its LOGOUT.
      {
        ...imap,
        operation: 'MailItemsAccessed',
        folder: 'INBOX',
        itemIds: ['1', '2', '3'],
        extra: '{"itemCount":3}',
      },
      {
        ...owner,
        operation: 'MailboxLogin',
        protocol: 'sieve',
        folder: null,
        destinationFolder: null,
        itemIds: null,
        extra: '{}',
      },
      ...['save', 'activate'].map((action) => ({
        ...owner,
        operation: 'UpdateInboxRules',
        protocol: 'managesieve',
        folder: null,
        destinationFolder: null,
        itemIds: null,
        extra: JSON.stringify({ action, script: 'forward', redirectTargets: ['attacker@evil.example'] }),
      })),
    ];
    const order = (
      list: Array<{ operation: string; extra: string; itemIds: string[] | null; protocol: string | null }>,
    ) =>
      [...list].sort((a, b) =>
        `${a.operation}|${a.protocol}|${a.itemIds}|${a.extra}`.localeCompare(
          `${b.operation}|${b.protocol}|${b.itemIds}|${b.extra}`,
        ),
      );
    assert.deepEqual(order(all), order(expected));

    const verified = await testApp.app.audit.verify();
    assert.ok(verified.ok, JSON.stringify(verified));
  });

  test('a message the Sieve rule redirects is recorded as RedirectMessage with its target', async () => {
    const delivery = await python([
      '-c',
      `import smtplib,sys
s=smtplib.LMTP('127.0.0.1', ${dovecot.lmtpPort})
s.sendmail('supplier@vendor.example', ['${ALICE.login}'], b'From: supplier@vendor.example\\r\\nSubject: invoice 99\\r\\nMessage-ID: <inv99@vendor.example>\\r\\n\\r\\nPay now\\r\\n')
s.quit()`,
    ]);
    assert.equal(delivery.status, 0, delivery.stderr);
    const records = await waitFor('RedirectMessage', (list) =>
      list.some((r) => r.operation === 'RedirectMessage'),
    );
    const redirect = records.find((record) => record.operation === 'RedirectMessage')!;
    assert.equal(redirect.subject, 'invoice 99');
    assert.equal(redirect.messageId, '<inv99@vendor.example>');
    assert.equal(redirect.details?.['redirectTarget'], 'attacker@evil.example');
    assert.ok(upstream.received.some((message) => message.to.includes('attacker@evil.example')));
  });

  test('a redirecting Sieve script put in place by an administrator (doveadm) is recorded as Set-Forwarding', async () => {
    const conf = path.join(dovecot.workDir, 'dovecot', 'dovecot.conf');
    const put = await run(
      'doveadm',
      ['-c', conf, 'sieve', 'put', '-u', ALICE.login, '-a', 'admin-forward'],
      'redirect "Boss@Elsewhere.example";\n',
    );
    assert.equal(put.status, 0, put.stderr);
    const adminChanges = (list: AuditRecord[]) =>
      list.filter((record) => record.details?.['script'] === 'admin-forward');
    const records = await waitFor(
      'Set-Forwarding on save and on activate',
      (list) => adminChanges(list).filter((record) => record.operation === 'Set-Forwarding').length >= 2,
    );
    const changes = adminChanges(records);
    // Dovecot's exporter posts each event on its own request, so the save's and the activate's records
    // may be appended in either order; what matters is that each is there once.
    const described = changes.map((record) => [
      record.operation,
      String(record.details?.['action']),
      record.actor,
      record.logonType,
    ]);
    assert.deepEqual(
      described.sort((a, b) => `${a[1]}|${a[0]}`.localeCompare(`${b[1]}|${b[0]}`)),
      [
        ['Set-Forwarding', 'activate', 'doveadm', 'admin'],
        ['UpdateInboxRules', 'activate', 'doveadm', 'admin'],
        ['Set-Forwarding', 'save', 'doveadm', 'admin'],
        ['UpdateInboxRules', 'save', 'doveadm', 'admin'],
      ],
    );
    for (const record of changes.filter((change) => change.operation === 'Set-Forwarding'))
      assert.deepEqual(record.details?.['forwardingTo'], ['boss@elsewhere.example']);
    // The user's own redirect rule (ManageSieve, the first test) is an inbox rule only.
    assert.ok(
      !records.some(
        (record) => record.operation === 'Set-Forwarding' && record.details?.['script'] === 'forward',
      ),
    );
  });

  test('the redirect rules saved over ManageSieve and doveadm raise the external forwarding alert', async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const alerts = await testApp.app.alerts.list({ mailbox: ALICE.login });
      const forwarding = alerts.find((alert) => alert.type === 'external-forwarding-rule');
      const targets = new Set(alerts.flatMap((alert) => (alert.evidence['forwardingTo'] as string[]) ?? []));
      if (forwarding && targets.has('boss@elsewhere.example')) {
        assert.equal(forwarding.severity, 'informational');
        // The user's own script (first test) and the admin's (doveadm) are both on record.
        assert.ok(forwarding.count >= 2, JSON.stringify(forwarding));
        assert.ok(!alerts.some((alert) => alert.type === 'suspicious-inbox-rule'), 'nothing hides mail');
        break;
      }
      if (Date.now() > deadline) assert.fail(`no forwarding alert: ${JSON.stringify(alerts)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  test('refuses a wrong secret and a malformed body, counts both in /metrics, and never crashes', async () => {
    const url = `http://127.0.0.1:${server.httpPort()}`;
    const post = (body: string, secret: string) =>
      fetch(`${url}/dovecot/events`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`dovecot:${secret}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body,
      });
    assert.equal((await post('{"event":"auth_request_finished","fields":{}}', 'wrong')).status, 401);
    for (const body of ['{not json', '[1, 2]', '{"event":"x"}', ''])
      assert.equal((await post(body, SECRET)).status, 400, body);
    const ignored = await post(
      '{"event":"imap_command_finished","fields":{"user":"x@example.org","session":"s","cmd_name":"NOOP"}}',
      SECRET,
    );
    assert.equal(ignored.status, 204);
    // Whether an event means anything is known once it is accepted (prepared with its body).
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /mailwarden_dovecot_event_requests_unauthorized_total 1\b/);
    assert.match(metrics, /mailwarden_dovecot_events_total\{outcome="malformed"\} [4-9]\b/);
    assert.match(metrics, /mailwarden_dovecot_events_total\{outcome="ignored"\} [1-9]/);
  });
});
