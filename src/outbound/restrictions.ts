import { randomUUID } from 'node:crypto';
import type { Actor, AuditLog, AuditRecord } from '../audit/index.js';
import type { Executor, RestrictionTable } from '../store/index.js';
import { restartCountersAt } from './send-counters.js';

/** Why an account was restricted: the limit it reached, or repeated spam verdicts. */
export type RestrictionReason =
  | 'hourly-external-limit'
  | 'hourly-internal-limit'
  | 'daily-limit'
  | 'spam-verdicts';

export interface RestrictionEvidence {
  /** The numbers at the moment of the restriction: counts and the limit. */
  counts: Record<string, number>;
  policyVersion: number;
  sampleSubjects: string[];
  recipientDomains: Array<{ domain: string; recipients: number }>;
  sourceIps: string[];
  messagesLastHour: number;
}

export interface Restriction {
  id: string;
  mailbox: string;
  userId: string;
  reason: RestrictionReason;
  policyName: string;
  action: 'restrict' | 'restrict-today';
  since: string;
  /** restrict-today: lifted automatically at this time (00:00 UTC). */
  until: string | null;
  evidence: RestrictionEvidence;
  released: { at: string; by: string; reason: string; forced: boolean } | null;
}

export function startOfUtcDay(timeMs: number): number {
  return Math.floor(timeMs / 86_400_000) * 86_400_000;
}

export async function findActiveRestriction(
  db: Executor,
  userId: string,
  nowMs: number,
): Promise<RestrictionTable | null> {
  const row = await db
    .selectFrom('restrictions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('released_at', 'is', null)
    .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', nowMs)]))
    .orderBy('since', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

/**
 * What the admin needs to judge a restriction (PRODUCT.md, "Release"), read from the account's Send
 * records of the last hour, or since the windows last restarted (what an earlier release already
 * judged is not this restriction's evidence): sample subjects, recipients' domains, source IPs.
 */
export async function gatherEvidence(
  audit: AuditLog,
  mailbox: string,
  window: { nowMs: number; restartedAtMs: number | null },
  counts: Record<string, number>,
  policyVersion: number,
): Promise<RestrictionEvidence> {
  const page = await audit.search({
    mailbox,
    operations: ['Send', 'SendAs'],
    sinceMs: Math.max(window.nowMs - 3_600_000, window.restartedAtMs ?? 0),
    limit: 500,
  });
  const subjects = new Set<string>();
  const domains = new Map<string, number>();
  const ips = new Set<string>();
  // Refused and held submissions (refused-submissions.ts) are attempts, not messages sent.
  const sent = (page.records as AuditRecord[]).filter((record) => record.details?.['refusal'] === undefined);
  for (const record of sent) {
    if (record.subject && subjects.size < 5) subjects.add(record.subject);
    if (record.clientIp) ips.add(record.clientIp);
    const recipients = (record.details?.['recipients'] as string[] | undefined) ?? [];
    for (const recipient of recipients) {
      const domain = recipient.split('@')[1]?.toLowerCase();
      if (domain) domains.set(domain, (domains.get(domain) ?? 0) + 1);
    }
  }
  return {
    counts,
    policyVersion,
    sampleSubjects: [...subjects],
    recipientDomains: [...domains.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([domain, recipients]) => ({ domain, recipients })),
    sourceIps: [...ips].slice(0, 20),
    messagesLastHour: sent.length,
  };
}

export async function insertRestriction(
  trx: Executor,
  audit: AuditLog,
  input: {
    userId: string;
    mailbox: string;
    reason: RestrictionReason;
    policyName: string;
    action: 'restrict' | 'restrict-today';
    nowMs: number;
    evidence: RestrictionEvidence;
  },
): Promise<RestrictionTable> {
  const row: RestrictionTable = {
    id: randomUUID(),
    user_id: input.userId,
    reason: input.reason,
    policy_name: input.policyName,
    action: input.action,
    since: input.nowMs,
    until: input.action === 'restrict-today' ? startOfUtcDay(input.nowMs) + 86_400_000 : null,
    evidence: JSON.stringify(input.evidence),
    released_at: null,
    released_by: null,
    release_reason: null,
    release_forced: null,
  };
  await trx.insertInto('restrictions').values(row).execute();
  await audit.appendWithin(trx, [
    {
      operation: 'RestrictSender',
      result: 'success',
      mailbox: input.mailbox,
      actor: 'system',
      logonType: 'system',
      details: {
        restrictionId: row.id,
        reason: input.reason,
        policy: input.policyName,
        policyVersion: input.evidence.policyVersion,
        action: input.action,
        until: row.until === null ? null : new Date(row.until).toISOString(),
        counts: input.evidence.counts,
      },
    },
  ]);
  return row;
}

/**
 * Releases the restriction, audited. The sender's windows restart here (restartCountersAt): the
 * account is under every limit again, and what it sent before no longer counts.
 */
export async function markReleased(
  trx: Executor,
  audit: AuditLog,
  row: RestrictionTable,
  mailbox: string,
  release: { nowMs: number; reason: string; forced: boolean; overridden: string[] },
  actor: Actor,
): Promise<RestrictionTable> {
  const updated: RestrictionTable = {
    ...row,
    released_at: release.nowMs,
    released_by: actor.actor,
    release_reason: release.reason,
    release_forced: release.forced ? 1 : 0,
  };
  await trx
    .updateTable('restrictions')
    .set({
      released_at: updated.released_at,
      released_by: updated.released_by,
      release_reason: updated.release_reason,
      release_forced: updated.release_forced,
    })
    .where('id', '=', row.id)
    .execute();
  await restartCountersAt(trx, row.user_id, release.nowMs);
  await audit.appendWithin(trx, [
    {
      operation: 'ReleaseSender',
      result: 'success',
      mailbox,
      ...actor,
      details: {
        restrictionId: row.id,
        reason: release.reason,
        forced: release.forced,
        checksOverridden: release.overridden,
      },
    },
  ]);
  return updated;
}

export function toRestriction(row: RestrictionTable, mailbox: string): Restriction {
  return {
    id: row.id,
    mailbox,
    userId: row.user_id,
    reason: row.reason as RestrictionReason,
    policyName: row.policy_name,
    action: row.action,
    since: new Date(row.since).toISOString(),
    until: row.until === null ? null : new Date(row.until).toISOString(),
    evidence: JSON.parse(row.evidence) as RestrictionEvidence,
    released:
      row.released_at === null
        ? null
        : {
            at: new Date(row.released_at).toISOString(),
            by: row.released_by ?? '',
            reason: row.release_reason ?? '',
            forced: row.release_forced === 1,
          },
  };
}
