import assert from 'node:assert/strict';
import type { GatewayHarness } from './gateway-harness.js';
import type { SubmissionAttempt } from './submission-load.js';

/** The status code of GET /healthz. */
export async function healthStatus(httpPort: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
  await response.arrayBuffer();
  return response.status;
}

/**
 * The count after an outage: no client got a 5xx or no reply at all, and the messages that got 250
 * are exactly those with a successful Send record and exactly those the upstream received (nothing
 * acknowledged that was not stored, nothing delivered twice or without its record).
 */
export async function assertEveryAcceptanceRecordedAndDelivered(
  harness: GatewayHarness,
  attempts: readonly SubmissionAttempt[],
): Promise<void> {
  for (const attempt of attempts)
    assert.ok(
      attempt.code === 250 || (attempt.code !== null && attempt.code >= 400 && attempt.code < 500),
      `a client got neither 250 nor a temporary failure: ${JSON.stringify(attempt)}`,
    );
  const accepted = attempts.filter((attempt) => attempt.code === 250).map((attempt) => attempt.messageId);
  const records = await harness.app.store.db
    .selectFrom('audit_log')
    .select('message_id')
    .where('operation', '=', 'Send')
    .where('result', '=', 'success')
    .execute();
  const recorded = records.map((row) => row.message_id ?? '');
  const delivered = (harness.upstream?.received ?? []).map(
    (message) => /^Message-ID:\s*(<[^>]+>)/im.exec(message.raw.toString('latin1'))?.[1] ?? '',
  );
  const sorted = (ids: string[]) => [...ids].sort();
  assert.ok(accepted.length > 0);
  assert.deepEqual(sorted(recorded), sorted(accepted), 'Send records = messages acknowledged with 250');
  assert.deepEqual(
    sorted(delivered),
    sorted(accepted),
    'messages delivered = messages acknowledged with 250',
  );
}

/** "250×41 454×12 451×3": what the clients were told, for the test's diagnostics. */
export function replyCounts(attempts: readonly SubmissionAttempt[]): string {
  const counts = new Map<string, number>();
  for (const attempt of attempts) {
    const key = attempt.code === 250 ? '250' : attempt.reply.slice(0, 9) || String(attempt.code);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([code, count]) => `${code}×${count}`).join(' ');
}
