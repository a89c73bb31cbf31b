import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { faultSeed } from '../support/seeded-random.js';
import {
  prepareMailwarden,
  type ServedMailwarden,
  sendRecordMessageIds,
  spooledMessageIds,
} from '../support/served-mailwarden.js';
import { assertAuditedAndChained, killUnderLoad } from './kill-under-load.js';

const SEED = faultSeed(20_261_207);

describe(`kill -9 under SMTP load with the local spool (seed ${SEED}; FAULT_SEED replays)`, () => {
  let served: ServedMailwarden;
  before(async () => {
    served = await prepareMailwarden();
    await served.start();
  });
  after(() => served.remove());

  test('every message answered 250 is in the spool after SIGKILLs and restarts, every spooled message has its Send record, and the chain verifies', {
    timeout: 120_000,
  }, async () => {
    const run = await killUnderLoad(served, SEED);
    const spooled = spooledMessageIds(served.dataDir);
    const lost = run.accepted.filter((id) => !spooled.has(id));
    console.log(
      `seed ${SEED}: ${run.accepted.length} accepted, ${spooled.size} spooled, ${lost.length} lost, ` +
        `${run.unanswered} sends unanswered while down, ${run.refused} refused (4xx)`,
    );
    assert.ok(run.accepted.length >= 60, 'the load got going in every round');
    assert.deepEqual(lost, [], 'no accepted message is lost');
    // A message cut off by the kill may leave a partial file in spool/tmp, never in the spool itself.
    const complete = readdirSync(path.join(served.dataDir, 'spool')).filter((name) => name.endsWith('.eml'));
    assert.equal(
      complete.length,
      spooled.size,
      'every file in the spool is a whole message with its Message-ID',
    );
    await assertAuditedAndChained(served, run.accepted);
    // A message spooled just before a kill, whose client never heard 250, is in the audit log too:
    // the send journal turned its note into a Send record at the restart.
    const recorded = await sendRecordMessageIds(served);
    assert.deepEqual(
      [...spooled].filter((id) => !recorded.has(id)),
      [],
      'every spooled message has its Send record',
    );
  });
});
