import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { type RunningServer, startServer } from '../../src/server.js';
import { freePort } from '../support/cli-process.js';
import {
  missingMailstackBinaries,
  type PostfixHarness,
  startPostfixHarness,
} from '../support/postfix-harness.js';
import { addUser, createTestApp, type TestApp } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';

const admin = { actor: 'admin@example.org', logonType: 'admin' as const };
const ALICE = { address: 'alice@example.org', password: 'alice-password-123' };
/** Known to Dovecot only: Mailwarden has no opinion about it. */
const DAVE = { address: 'dave@example.org', password: 'dave-password-456' };
const HOURLY_TEXT =
  "Your message can't be sent because you've reached your hourly limit for message recipients";

const missing = missingMailstackBinaries();
const skip =
  missing.length > 0
    ? `not installed: ${missing.join(', ')} (apt-get install postfix dovecot-core; .ci/run does it)`
    : false;

describe('outbound limits enforced through a real Postfix (policy delegation)', { skip }, () => {
  let testApp: TestApp;
  let server: RunningServer;
  let serverStopped = false;
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  let postfix: PostfixHarness;

  const send = (user: { address: string; password: string }, to: string[], subject: string) =>
    nodemailer
      .createTransport({
        host: '127.0.0.1',
        port: postfix.submissionPort,
        requireTLS: true,
        tls: { rejectUnauthorized: false },
        auth: { user: user.address, pass: user.password },
      })
      .sendMail({ from: user.address, to, subject, text: 'Please pay the attached invoice.' });
  const refusal = (error: { response?: string }) => error.response ?? String(error);
  const delivered = (subject: string) =>
    upstream.received.some((message) => message.raw.includes(`Subject: ${subject}`));
  const waitForDelivery = async (subject: string) => {
    const deadline = Date.now() + 20_000;
    while (!delivered(subject)) {
      if (Date.now() > deadline)
        assert.fail(`"${subject}" never reached the upstream\n${postfix.postfixLog().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  /** Postfix logs through postlogd, a moment after it answered the client. */
  const waitForLog = async (pattern: RegExp) => {
    const deadline = Date.now() + 10_000;
    while (!pattern.test(postfix.postfixLog())) {
      if (Date.now() > deadline)
        assert.fail(`Postfix never logged ${pattern}\n${postfix.postfixLog().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  before(async () => {
    upstream = await startUpstreamServer();
    testApp = await createTestApp('sqlite', {
      overrides: {
        'smtp.enabled': false,
        'smtps.enabled': false,
        'http.enabled': false,
        'policy.port': await freePort(),
        'shutdown.graceMs': 2000,
      },
    });
    await addUser(testApp.app, ALICE.address, ALICE.password);
    const set = await testApp.app.outbound.setPolicy(
      'tight',
      { settings: { externalPerHour: 3, action: 'restrict' }, scope: { users: [ALICE.address] } },
      admin,
    );
    assert.ok(set.ok);
    server = await startServer(testApp.app);
    postfix = await startPostfixHarness({
      policyPort: server.policyPort()!,
      relayPort: upstream.port,
      users: [
        { login: ALICE.address, password: ALICE.password },
        { login: DAVE.address, password: DAVE.password },
      ],
    });
  });
  after(async () => {
    await postfix?.stop();
    if (!serverStopped) await server?.stop();
    await upstream?.stop();
    await testApp?.cleanup();
  });

  test('a compromised account is stopped at its limit by Postfix with Mailwarden’s replies, then refused with 5.1.8', async () => {
    await send(ALICE, ['a@victims.test', 'b@victims.test'], 'Invoice 1');
    await waitForDelivery('Invoice 1');

    // The third recipient passes, the fourth reaches the hourly limit: that RCPT is refused, and
    // at the end of DATA the whole message, so nothing of it is queued.
    await assert.rejects(send(ALICE, ['c@victims.test', 'd@victims.test'], 'Invoice 2'), (error) => {
      // Postfix keeps the code and text, and rewrites the address-class enhanced status (X.1.90).
      assert.match(
        refusal(error as { response?: string }),
        new RegExp(`^550 5\\.\\d\\.\\d+ .*${HOURLY_TEXT}`),
      );
      return true;
    });
    await waitForLog(/mapping DSN status 5\.1\.90 into Recipient address status 5\.1\.0/);
    await waitForLog(/reject: RCPT from .*<d@victims\.test>: Recipient address rejected: Your message can't/);
    await waitForLog(/reject: END-OF-MESSAGE from .*End-of-data rejected: Your message can't/);

    const [restriction] = await testApp.app.outbound.listRestricted();
    assert.equal(restriction?.mailbox, ALICE.address);
    assert.deepEqual(restriction?.evidence.recipientDomains, [{ domain: 'victims.test', recipients: 2 }]);

    await assert.rejects(send(ALICE, ['e@victims.test'], 'Invoice 3'), (error) => {
      assert.match(
        refusal(error as { response?: string }),
        /^550 5\.1\.\d+ <e@victims\.test>: Recipient address rejected: Access denied, bad outbound sender/,
      );
      return true;
    });
    await waitForLog(/mapping DSN status 5\.1\.8 into Recipient address status 5\.1\.2/);

    // Give Postfix the time it would need to deliver anything it had queued.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.ok(!delivered('Invoice 2') && !delivered('Invoice 3'), 'nothing refused reached the upstream');

    const { records } = await testApp.app.audit.search({ mailbox: ALICE.address, operations: ['Send'] });
    assert.equal(records.length, 1);
    assert.equal(records[0]?.protocol, 'postfix');
    assert.equal(records[0]?.clientIp, '127.0.0.1');
    assert.equal(records[0]?.details?.['via'], 'postfix');
    assert.equal(records[0]?.details?.['recipientCount'], 2);
    assert.match(String(records[0]?.details?.['queueId']), /^[0-9A-F]+$/);
  });

  test('an account Mailwarden does not know is counted under the default policy, with an alert', async () => {
    const info = await send(DAVE, ['f@customer.test'], 'From Dave');
    assert.match(info.response, /^250 /);
    await waitForDelivery('From Dave');
    const { records } = await testApp.app.audit.search({ mailbox: DAVE.address, operations: ['Send'] });
    assert.equal(records.length, 1);
    assert.equal(records[0]?.details?.['unknownLogin'], true);
    const alerts = await testApp.app.alerts.list();
    assert.ok(alerts.some((alert) => alert.type === 'unknown-sender' && alert.mailbox === DAVE.address));
  });

  test('while Mailwarden is down, Postfix defers submissions (default_action=DEFER_IF_PERMIT)', async () => {
    await server.stop();
    serverStopped = true;
    await assert.rejects(send(DAVE, ['g@customer.test'], 'During outage'), (error) => {
      assert.match(refusal(error as { response?: string }), /^450 4\.7\.1 /);
      return true;
    });
  });
});
