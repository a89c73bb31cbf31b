import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { haproxyMissing, type RunningHaproxy, startHaproxy } from '../support/haproxy.js';
import { faultSeed, seededRandom } from '../support/seeded-random.js';
import {
  prepareMailwardenCluster,
  SENDER,
  type ServedMailwarden,
  sendRecordMessageIds,
} from '../support/served-mailwarden.js';
import { startSmtpLoad, waitUntil } from '../support/smtp-load.js';
import { createPostgresDatabase } from '../support/test-app.js';
import { startUpstreamServer } from '../support/upstream-server.js';

const SEED = faultSeed(20_261_222);
const CLIENTS = 6;
/** Messages accepted between two steps: each step happens under load that got through. */
const STEP = 15;

/**
 * Three `mailwarden serve` processes on one PostgreSQL database behind a real HAProxy (send-proxy-v2,
 * health checks, redispatch), relaying to one upstream, under a steady load of real SMTP clients
 * through HAProxy: each instance in turn is stopped (SIGTERM) and started again, then one is killed
 * with SIGKILL and started again. A client whose message got no 250 (421 from a stopping instance,
 * a dropped connection) sends another, as a client's queue would.
 */
describe(`a cluster of three under load: rolling restart and SIGKILL (seed ${SEED}; FAULT_SEED replays)`, {
  skip: haproxyMissing,
}, () => {
  let database: { url: string; drop(): Promise<void> };
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  let instances: ServedMailwarden[] = [];
  let haproxy: RunningHaproxy | null = null;

  before(async () => {
    database = await createPostgresDatabase();
    upstream = await startUpstreamServer();
    instances = await prepareMailwardenCluster(3, {
      databaseUrl: database.url,
      relayUrl: `smtp://127.0.0.1:${upstream.port}`,
    });
    // One after the other: the first start migrates the database.
    for (const instance of instances) await instance.start();
    haproxy = await startHaproxy(instances.map((instance) => instance.ports.smtp));
  });
  after(async () => {
    await haproxy?.stop();
    for (const instance of instances) await instance.remove();
    await upstream?.stop();
    await database?.drop();
  });

  test('every message answered 250 through HAProxy arrived upstream and has its Send record, and the one audit chain verifies on every instance', {
    timeout: 300_000,
  }, async () => {
    const random = seededRandom(SEED);
    const load = startSmtpLoad({
      port: haproxy!.port,
      clients: CLIENTS,
      user: SENDER,
      password: instances[0]!.appPassword,
      random,
      idPrefix: `cluster-${SEED}`,
    });
    const moreAccepted = async (what: string) => {
      const from = load.outcome.accepted.length;
      await waitUntil(() => load.outcome.accepted.length >= from + STEP, 90_000, what);
    };
    const exitCodes: Array<number | null> = [];
    let killed = -1;
    try {
      await moreAccepted('the load starts');
      for (const [index, instance] of instances.entries()) {
        exitCodes.push(await instance.stop());
        await moreAccepted(`while instance ${index + 1} is stopped`);
        await instance.start();
        await moreAccepted(`after instance ${index + 1} is back`);
      }
      killed = random.int(0, instances.length - 1);
      // Mid-load: some sessions are in DATA, some between messages, some signing in.
      await new Promise((resolve) => setTimeout(resolve, random.int(50, 1500)));
      await instances[killed]!.kill9();
      await moreAccepted(`while instance ${killed + 1} is dead`);
      await instances[killed]!.start();
      await moreAccepted(`after instance ${killed + 1} is back`);
    } finally {
      await load.stop();
    }
    const { accepted, refused, unanswered } = load.outcome;
    const arrived = new Set(
      upstream.received.map((message) => /^Message-ID: *(<[^>\r\n]+>)/im.exec(message.raw.toString())?.[1]),
    );
    const lost = accepted.filter((id) => !arrived.has(id));
    const recorded = await sendRecordMessageIds(instances[0]!);
    const unrecorded = accepted.filter((id) => !recorded.has(id));
    // Relayed, then the instance died before its 250: the client sends it again (a duplicate). Shown,
    // not held to: its Send record is written after the relay, so a SIGKILL in between leaves none.
    const acceptedSet = new Set(accepted);
    const unacknowledged = [...arrived].filter(
      (id): id is string => id !== undefined && !acceptedSet.has(id),
    );
    const refusedByCode = new Map<number, number>();
    for (const refusal of refused)
      refusedByCode.set(refusal.code, (refusedByCode.get(refusal.code) ?? 0) + 1);
    console.log(
      `seed ${SEED}: ${accepted.length} accepted, ${upstream.received.length} arrived upstream, ` +
        `${lost.length} lost, ${unrecorded.length} without a Send record; ${unacknowledged.length} arrived ` +
        `upstream without a 250 (${unacknowledged.filter((id) => recorded.has(id)).length} with a Send record); retried by the clients: ` +
        `${unanswered} unanswered (connection refused or dropped), ${refused.length} refused ` +
        `(${[...refusedByCode].map(([code, count]) => `${count}×${code}`).join(', ') || 'none'}); ` +
        `instance ${killed + 1} was killed`,
    );
    assert.deepEqual(exitCodes, [0, 0, 0], 'each instance stops gracefully under load');
    assert.deepEqual(
      refused.filter((refusal) => refusal.code >= 500),
      [],
      'no message of a plain load is refused for good',
    );
    assert.deepEqual(lost, [], 'no accepted message is lost');
    assert.deepEqual(unrecorded, [], 'every accepted message has its Send record');
    // Each instance checks the shared chain against its own anchor file.
    for (const [index, instance] of instances.entries()) {
      const verify = await instance.cli(['audit', 'verify', '--json']);
      assert.equal(verify.code, 0, `audit verify on instance ${index + 1}: ${verify.stdout}${verify.stderr}`);
      assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);
    }
  });
});
