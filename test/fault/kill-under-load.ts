import assert from 'node:assert/strict';
import { seededRandom } from '../support/seeded-random.js';
import { SENDER, type ServedMailwarden, sendRecordMessageIds } from '../support/served-mailwarden.js';
import { startSmtpLoad, waitUntil } from '../support/smtp-load.js';

const CLIENTS = 6;
const KILLS = 2;

export interface KillRunResult {
  /** Message-IDs answered 250, before the kills and after the last restart. */
  accepted: string[];
  unanswered: number;
  refused: number;
}

/**
 * SIGKILLs `mailwarden serve` at a seeded moment while CLIENTS clients send, KILLS times, restarting
 * it on the same data dir each time; then a short load on the restarted process, and a graceful stop.
 * The caller checks where the accepted messages are.
 */
export async function killUnderLoad(served: ServedMailwarden, seed: number): Promise<KillRunResult> {
  const random = seededRandom(seed);
  const result: KillRunResult = { accepted: [], unanswered: 0, refused: 0 };
  for (let round = 0; round <= KILLS; round++) {
    const load = startSmtpLoad({
      port: served.ports.smtp,
      clients: CLIENTS,
      user: SENDER,
      password: served.appPassword,
      random,
      idPrefix: `kill-${seed}-${round}`,
    });
    try {
      await waitUntil(() => load.outcome.accepted.length >= 20, 30_000, `round ${round}: first 250s`);
      // Mid-load: some sessions are in DATA, some between messages, some signing in.
      await new Promise((resolve) => setTimeout(resolve, random.int(50, 1500)));
      if (round < KILLS) await served.kill9();
    } finally {
      const outcome = await load.stop();
      result.accepted.push(...outcome.accepted);
      result.unanswered += outcome.unanswered;
      result.refused += outcome.refused.length;
      assert.deepEqual(
        outcome.refused.filter((refusal) => refusal.code >= 500),
        [],
        'no message of a plain load is refused for good',
      );
    }
    if (round < KILLS) await served.start();
  }
  assert.equal(await served.stop(), 0, 'the last start stops gracefully');
  return result;
}

/** Every accepted message has its Send record, and `audit verify` passes through the CLI. */
export async function assertAuditedAndChained(served: ServedMailwarden, accepted: string[]): Promise<void> {
  const recorded = await sendRecordMessageIds(served);
  const unrecorded = accepted.filter((id) => !recorded.has(id));
  assert.deepEqual(
    unrecorded,
    [],
    `${unrecorded.length} of ${accepted.length} accepted messages have no Send record`,
  );
  const verify = await served.cli(['audit', 'verify', '--json']);
  assert.equal(verify.code, 0, `audit verify: ${verify.stdout}${verify.stderr}`);
  assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);
}
