import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort } from '../support/cli-process.js';
import { MilterClient } from '../support/milter-client.js';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { SENDER, type ServedMailwarden } from '../support/served-mailwarden.js';
import { logLines, prepareWorkers } from '../support/served-workers.js';

/**
 * `mailwarden serve` with MAILWARDEN_WORKERS=2 and the milter on: the Postfix policy service hands each
 * message to the milter in memory, so worker 1 alone serves both ports (docs/ARCHITECTURE.md "Worker
 * processes"). Driven as Postfix drives them: one policy connection (one smtpd process) and a new
 * milter connection per SMTP session, which node:cluster would hand to the workers in turn.
 */
const MESSAGES = 6;
let served: ServedMailwarden;
let milterPort: number;

before(async () => {
  milterPort = await freePort();
  served = await prepareWorkers({
    env: { MAILWARDEN_LOG_LEVEL: 'info', MAILWARDEN_MILTER_LISTEN: `127.0.0.1:${milterPort}` },
  });
  await served.start();
});
after(async () => {
  await served?.remove();
});

function message(index: number): Buffer {
  return Buffer.from(
    [
      `From: ${SENDER}`,
      'To: dana@customer.test',
      `Subject: Minutes ${index}`,
      `Message-ID: <workers-milter-${index}@example.org>`,
      '',
      'Next meeting is on the 3rd.',
      '',
    ].join('\r\n'),
  );
}

test('with the milter on, worker 1 alone listens on the policy and milter ports, and every message handed over by the policy service is recorded once, with the policy request’s facts', async () => {
  const started = logLines(served).filter((line) => line['msg'] === 'worker started');
  const ports = Object.fromEntries(
    started.map((line) => [line['worker'], { policy: line['policy'], milter: line['milter'] }]),
  );
  assert.deepEqual(ports, {
    1: { policy: served.ports.policy, milter: milterPort },
    2: { policy: null, milter: null },
  });

  const policy = await PolicyClient.connect(served.ports.policy);
  try {
    for (let index = 0; index < MESSAGES; index++) {
      const request = rcptRequest({ instance: `workers-hand.${index}`, recipient: 'dana@customer.test' });
      assert.equal(await policy.ask(request), 'DUNNO');
      assert.equal(
        await policy.ask({
          ...request,
          protocol_state: 'END-OF-MESSAGE',
          queue_id: `WHAND${index}`,
          recipient: '',
          recipient_count: '1',
          policy_context: 'mailwarden-milter',
        }),
        'DUNNO',
      );
      const milter = await MilterClient.connect(milterPort);
      try {
        await milter.negotiate();
        assert.equal((await milter.connectFrom('203.0.113.7'))?.code, 'c');
        const reply = await milter.message({
          login: SENDER,
          queueId: `WHAND${index}`,
          from: SENDER,
          recipients: ['dana@customer.test'],
          raw: message(index),
        });
        assert.equal(reply?.code, 'a');
      } finally {
        milter.close();
      }
    }
  } finally {
    policy.close();
  }

  const exported = await served.cli(['audit', 'export', '--operation', 'Send', '--format', 'jsonl']);
  assert.equal(exported.code, 0, exported.stderr);
  const sends = exported.stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { sessionId?: string; clientIp?: string; messageId?: string });
  for (let index = 0; index < MESSAGES; index++) {
    const ofMessage = sends.filter((send) => send.messageId === `<workers-milter-${index}@example.org>`);
    // A hand-off the milter missed would be begun again by the milter: its record would carry the
    // queue id as session and the milter's client address.
    assert.deepEqual(
      ofMessage.map((send) => [send.sessionId, send.clientIp]),
      [[`workers-hand.${index}`, '203.0.113.9']],
      `message ${index}`,
    );
  }
});
