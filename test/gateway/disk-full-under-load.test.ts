import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import {
  assertEveryAcceptanceRecordedAndDelivered,
  healthStatus,
  replyCounts,
} from '../support/outage-checks.js';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { canMountTmpfs, mountSmallDisk, type SmallDisk } from '../support/small-disk.js';
import { allowLoadFrom, startSubmissionLoad } from '../support/submission-load.js';

const skip = canMountTmpfs() ? false : 'needs root and the right to mount a tmpfs';

let disk: SmallDisk;
let harness: GatewayHarness;

before(async () => {
  if (skip) return;
  disk = mountSmallDisk(48);
  harness = await startGatewayHarness({
    overrides: { 'data.dir': disk.dir, 'http.enabled': true },
  });
  await allowLoadFrom(harness.app, [ALICE.address, BOB.address]);
});
after(async () => {
  if (skip) return;
  disk?.free();
  await harness?.cleanup();
  disk?.unmount();
});

test("SQLite's disk full under load: clients get only 4xx meanwhile, healthz says 503, Postfix is told to defer, and once space is back every 250 is a stored Send record and a delivered message", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const httpPort = harness.server.httpPort()!;
  const policy = await PolicyClient.connect(harness.server.policyPort()!);
  const load = startSubmissionLoad({
    port: harness.smtpPort,
    accounts: [
      { address: ALICE.address, password: ALICE.password },
      { address: BOB.address, password: BOB.password },
    ],
    clients: 6,
    tag: 'disk-full',
  });
  try {
    await load.acceptedSince(Date.now());
    await sleep(1000);

    disk.fill();
    const fullAt = Date.now();
    await load.deferredSince(fullAt);
    assert.equal(await healthStatus(httpPort), 503);
    const base = { instance: 'full.1', sasl_username: ALICE.address };
    // RCPT reserves the recipient (a write, for limits that are exact under concurrency): Postfix is
    // told to defer there already, as it is at END-OF-MESSAGE.
    assert.equal(
      await policy.ask(rcptRequest(base)),
      'DEFER_IF_PERMIT Service temporarily unavailable',
      'a recipient that cannot be reserved is deferred',
    );
    const endOfMessage = rcptRequest({
      ...base,
      protocol_state: 'END-OF-MESSAGE',
      recipient_count: '1',
      size: '1234',
      queue_id: 'QFULL1',
    });
    assert.equal(await policy.ask(endOfMessage), 'DEFER_IF_PERMIT Service temporarily unavailable');
    // More clients refused after the policy answers: the outage lasts while clients keep trying.
    await load.deferredSince(Date.now());
    await sleep(Math.max(0, fullAt + 3000 - Date.now()));
    const freeAt = Date.now();
    disk.free();

    await load.acceptedSince(freeAt);
    assert.equal(await healthStatus(httpPort), 200);
    await load.stop();

    const during = load.attempts.filter((a) => a.startedAt >= fullAt + 200 && a.endedAt <= freeAt);
    assert.ok(during.length > 0, 'clients kept trying while the disk was full');
    for (const attempt of during)
      assert.ok(attempt.code !== null && attempt.code >= 400 && attempt.code < 500, JSON.stringify(attempt));
    t.diagnostic(`all: ${replyCounts(load.attempts)}; during: ${replyCounts(during)}`);
    await assertEveryAcceptanceRecordedAndDelivered(harness, load.attempts);
  } finally {
    await load.stop();
    policy.close();
  }
});
