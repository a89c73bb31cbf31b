import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { faultSeed } from '../support/seeded-random.js';
import {
  prepareMailwarden,
  type ServedMailwarden,
  sendRecordMessageIds,
} from '../support/served-mailwarden.js';
import { startUpstreamServer } from '../support/upstream-server.js';
import { assertAuditedAndChained, killUnderLoad } from './kill-under-load.js';

const SEED = faultSeed(20_261_208);

describe(`kill -9 under SMTP load, relaying upstream (seed ${SEED}; FAULT_SEED replays)`, () => {
  let served: ServedMailwarden;
  let upstream: Awaited<ReturnType<typeof startUpstreamServer>>;
  before(async () => {
    upstream = await startUpstreamServer();
    served = await prepareMailwarden({ relayUrl: `smtp://127.0.0.1:${upstream.port}` });
    await served.start();
  });
  after(async () => {
    await served.remove();
    await upstream.stop();
  });

  test('every message answered 250 arrived upstream before the SIGKILL, every message that arrived has its Send record, and the chain verifies', {
    timeout: 120_000,
  }, async () => {
    const run = await killUnderLoad(served, SEED);
    const arrived = new Set(
      upstream.received.map((message) => /^Message-ID: *(<[^>\r\n]+>)/im.exec(message.raw.toString())?.[1]),
    );
    const lost = run.accepted.filter((id) => !arrived.has(id));
    console.log(
      `seed ${SEED}: ${run.accepted.length} accepted, ${upstream.received.length} arrived upstream, ${lost.length} lost, ` +
        `${run.unanswered} sends unanswered while down, ${run.refused} refused (4xx)`,
    );
    assert.ok(run.accepted.length >= 60, 'the load got going in every round');
    assert.deepEqual(lost, [], 'no accepted message is lost');
    await assertAuditedAndChained(served, run.accepted);
    // A message the upstream took just before a kill, whose client never heard 250, is in the audit
    // log too: the send journal turned its note into a Send record at the restart.
    const recorded = await sendRecordMessageIds(served);
    const unrecorded = [...arrived].filter((id) => id !== undefined && !recorded.has(id));
    assert.deepEqual(unrecorded, [], 'every message that arrived upstream has its Send record');
  });
});
