import type { Actor, AuditLog } from '../audit/index.js';
import { message } from '../i18n/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Executor, SendingPolicyTable, Store } from '../store/index.js';
import { invalidPolicy, type OutboundFailure, outboundFailure } from './outbound.outcomes.js';
import { applySettings, DEFAULT_POLICY_SETTINGS, type PolicySettings } from './policy-settings.js';

export const DEFAULT_POLICY_NAME = 'default';

export interface PolicyScope {
  users: string[];
  groups: string[];
  domains: string[];
}

export interface SendingPolicy {
  name: string;
  /** Lower first; the default policy always applies last, whatever its number. */
  priority: number;
  scope: PolicyScope;
  settings: PolicySettings;
  /** Raised by every change; verdicts and restrictions record the version they applied. */
  version: number;
  updatedAt: string | null;
}

export interface PolicyChange {
  settings?: Record<string, unknown>;
  scope?: Partial<PolicyScope>;
  priority?: number;
}

interface PolicyDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export async function listPolicies(db: Executor): Promise<SendingPolicy[]> {
  const rows = await db.selectFrom('sending_policies').selectAll().execute();
  const policies = rows.map(toPolicy);
  if (!policies.some((policy) => policy.name === DEFAULT_POLICY_NAME)) policies.push(builtInDefault());
  return sortForMatching(policies);
}

/** First match wins: ascending priority, then name; the default policy last. */
export function sortForMatching(policies: SendingPolicy[]): SendingPolicy[] {
  return [...policies].sort((a, b) => {
    if (a.name === DEFAULT_POLICY_NAME) return 1;
    if (b.name === DEFAULT_POLICY_NAME) return -1;
    return a.priority - b.priority || a.name.localeCompare(b.name);
  });
}

export async function setPolicy(
  deps: PolicyDeps,
  name: string,
  change: PolicyChange,
  actor: Actor,
): Promise<{ ok: true; policy: SendingPolicy } | OutboundFailure> {
  const policyName = name.trim().toLowerCase();
  if (!NAME.test(policyName)) return invalidPolicy([message('policy.problem.name')]);
  const isDefault = policyName === DEFAULT_POLICY_NAME;
  if (isDefault && change.scope && Object.values(change.scope).some((list) => list && list.length > 0))
    return invalidPolicy([message('policy.problem.defaultScope')]);
  if (
    change.priority !== undefined &&
    (!Number.isInteger(change.priority) || change.priority < 0 || change.priority > 1_000_000)
  )
    return invalidPolicy([
      message('policy.problem.wholeNumber', { field: 'priority', min: '0', max: '1000000' }),
    ]);
  const now = deps.clock.nowMs();
  return deps.store.writeTransaction(async (trx) => {
    const existingRow = await trx
      .selectFrom('sending_policies')
      .selectAll()
      .where('name', '=', policyName)
      .executeTakeFirst();
    const existing = existingRow ? toPolicy(existingRow) : isDefault ? builtInDefault() : null;
    const applied = applySettings(
      existing?.settings ?? { ...DEFAULT_POLICY_SETTINGS },
      change.settings ?? {},
    );
    if (!applied.ok) return invalidPolicy(applied.problems);
    const scope: PolicyScope = {
      users: normalizeList(change.scope?.users ?? existing?.scope.users ?? []),
      groups: normalizeList(change.scope?.groups ?? existing?.scope.groups ?? []),
      domains: normalizeList(change.scope?.domains ?? existing?.scope.domains ?? []),
    };
    if (!isDefault && scope.users.length + scope.groups.length + scope.domains.length === 0)
      return invalidPolicy([message('policy.problem.nobody', { name: policyName })]);
    let priority = change.priority ?? existing?.priority;
    if (priority === undefined) {
      const highest = await trx
        .selectFrom('sending_policies')
        .select((eb) => eb.fn.max('priority').as('max'))
        .where('name', '!=', DEFAULT_POLICY_NAME)
        .executeTakeFirst();
      priority = Number(highest?.max ?? 0) + 1;
    }
    const row: SendingPolicyTable = {
      name: policyName,
      // The default policy's place is "last" by rule, not by number; it stores 0.
      priority: isDefault ? 0 : priority,
      scope: JSON.stringify(scope),
      settings: JSON.stringify(applied.settings),
      version: (existing?.version ?? 0) + 1,
      updated_at: now,
    };
    if (existingRow)
      await trx.updateTable('sending_policies').set(row).where('name', '=', policyName).execute();
    else await trx.insertInto('sending_policies').values(row).execute();
    await deps.store.changes.announce(trx, 'policies');
    await deps.audit.appendWithin(trx, [
      {
        operation: 'SetSendingPolicy',
        result: 'success',
        ...actor,
        details: { name: policyName, version: row.version, priority, scope, changes: change.settings ?? {} },
      },
    ]);
    return { ok: true as const, policy: toPolicy(row) };
  });
}

export async function deletePolicy(
  deps: PolicyDeps,
  name: string,
  actor: Actor,
): Promise<{ ok: true } | OutboundFailure> {
  const policyName = name.trim().toLowerCase();
  if (policyName === DEFAULT_POLICY_NAME)
    return outboundFailure(
      'invalid-policy',
      'the default policy cannot be deleted; change its settings instead',
    );
  return deps.store.writeTransaction(async (trx) => {
    const deleted = await trx
      .deleteFrom('sending_policies')
      .where('name', '=', policyName)
      .executeTakeFirst();
    await deps.store.changes.announce(trx, 'policies');
    if (Number(deleted.numDeletedRows) === 0)
      return outboundFailure('policy-not-found', `no sending policy ${policyName}`);
    await deps.audit.appendWithin(trx, [
      { operation: 'DeleteSendingPolicy', result: 'success', ...actor, details: { name: policyName } },
    ]);
    return { ok: true as const };
  });
}

/** The policy for a user: the first (by priority) whose scope names the user, a group of theirs, or their domain. */
export function matchPolicy(
  policies: readonly SendingPolicy[],
  user: { address: string; domain: string; groups: readonly string[] },
): SendingPolicy {
  for (const policy of policies) {
    if (policy.name === DEFAULT_POLICY_NAME) continue;
    if (
      policy.scope.users.includes(user.address) ||
      policy.scope.domains.includes(user.domain) ||
      policy.scope.groups.some((group) => user.groups.includes(group))
    )
      return policy;
  }
  return policies.find((policy) => policy.name === DEFAULT_POLICY_NAME) ?? builtInDefault();
}

function builtInDefault(): SendingPolicy {
  return {
    name: DEFAULT_POLICY_NAME,
    priority: Number.MAX_SAFE_INTEGER,
    scope: { users: [], groups: [], domains: [] },
    settings: { ...DEFAULT_POLICY_SETTINGS, spamWeights: { ...DEFAULT_POLICY_SETTINGS.spamWeights } },
    version: 0,
    updatedAt: null,
  };
}

function toPolicy(row: SendingPolicyTable): SendingPolicy {
  const stored = JSON.parse(row.settings) as Partial<PolicySettings>;
  return {
    name: row.name,
    priority: row.name === DEFAULT_POLICY_NAME ? Number.MAX_SAFE_INTEGER : row.priority,
    scope: JSON.parse(row.scope) as PolicyScope,
    // Settings added in later versions take their defaults in policies stored before them.
    settings: { ...DEFAULT_POLICY_SETTINGS, ...stored, spamWeights: { ...(stored.spamWeights ?? {}) } },
    version: row.version,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function normalizeList(values: readonly string[]): string[] {
  return [...new Set(values.map((value) => value.trim().toLowerCase()).filter(Boolean))].sort();
}
