import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALICE, BOB, type GatewayHarness, startGatewayHarness } from '../support/gateway-harness.js';
import {
  assertEveryAcceptanceRecordedAndDelivered,
  healthStatus,
  replyCounts,
} from '../support/outage-checks.js';
import { PolicyClient, rcptRequest } from '../support/postfix-policy-client.js';
import { allowLoadFrom, type SubmissionLoad, startSubmissionLoad } from '../support/submission-load.js';
import {
  createThrowawayPostgres,
  findPostgresBin,
  type ThrowawayPostgres,
} from '../support/throwaway-postgres.js';

const skip = findPostgresBin() ? false : 'PostgreSQL server binaries are not installed';

let postgres: ThrowawayPostgres;
let harness: GatewayHarness;

before(async () => {
  if (skip) return;
  postgres = await createThrowawayPostgres();
  harness = await startGatewayHarness({
    overrides: { 'database.url': postgres.url, 'http.enabled': true },
  });
  await allowLoadFrom(harness.app, [ALICE.address, BOB.address]);
});
after(async () => {
  if (skip) return;
  await harness?.cleanup();
  await postgres?.remove();
});

test('PostgreSQL stopped and started under load: the process stays up, clients get only 4xx meanwhile, and every 250 is a stored Send record and a delivered message', {
  skip,
  timeout: 120_000,
}, async (t) => {
  // The server runs in this process: an error no one handles (a pg client's) would land here.
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  t.after(() => {
    process.off('uncaughtException', onUncaught);
  });
  const httpPort = harness.server.httpPort()!;
  const policy = await PolicyClient.connect(harness.server.policyPort()!);
  const load: SubmissionLoad = startSubmissionLoad({
    port: harness.smtpPort,
    accounts: [
      { address: ALICE.address, password: ALICE.password },
      { address: BOB.address, password: BOB.password },
    ],
    clients: 6,
    tag: 'pg-restart',
  });
  try {
    await load.acceptedSince(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // Fast shutdown terminates every session, the checked-out ones in the middle of transactions too.
    await postgres.stop();
    const stoppedAt = Date.now();
    await load.deferredSince(stoppedAt);
    assert.equal(await healthStatus(httpPort), 503);
    assert.equal(
      await policy.ask(rcptRequest({ instance: 'outage.1' })),
      'DEFER_IF_PERMIT Service temporarily unavailable',
    );
    await load.deferredSince(Date.now());
    // An outage of a few seconds at least, as a restart or failover takes.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + 3000 - Date.now())));
    const restartAt = Date.now();
    await postgres.start();
    const startedAt = Date.now();

    await load.acceptedSince(startedAt);
    t.diagnostic(
      `first 250 after the start: ${Date.now() - startedAt} ms; outage ${restartAt - stoppedAt} ms`,
    );
    assert.equal(await healthStatus(httpPort), 200);
    assert.equal(await policy.ask(rcptRequest({ instance: 'after.1' })), 'DUNNO');
    await load.stop();

    const during = load.attempts.filter((a) => a.startedAt >= stoppedAt && a.endedAt <= restartAt);
    assert.ok(during.length > 0, 'clients kept trying during the outage');
    for (const attempt of during)
      assert.ok(attempt.code !== null && attempt.code >= 400 && attempt.code < 500, JSON.stringify(attempt));
    t.diagnostic(`all: ${replyCounts(load.attempts)}; during: ${replyCounts(during)}`);
    await assertEveryAcceptanceRecordedAndDelivered(harness, load.attempts);
    assert.deepEqual(uncaught, [], 'no error escaped to the process');
  } finally {
    await load.stop();
    policy.close();
  }
});
