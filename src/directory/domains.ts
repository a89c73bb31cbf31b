import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Store } from '../store/index.js';
import { type DirectoryFailure, directoryFailure } from './directory.outcomes.js';
import { isDomainName } from './email-address.js';

export interface Domain {
  name: string;
  createdAt: string;
}

export interface DomainDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
}

export async function addDomain(
  deps: DomainDeps,
  input: string,
  actor: Actor,
): Promise<{ ok: true; domain: Domain } | DirectoryFailure> {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  if (!isDomainName(name)) return directoryFailure('invalid-domain', `"${input}" is not a valid domain name`);
  const now = deps.clock.nowMs();
  return deps.store.writeTransaction(async (trx) => {
    const existing = await trx
      .selectFrom('domains')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) return directoryFailure('domain-exists', `${name} is already a domain of the organization`);
    await trx.insertInto('domains').values({ name, created_at: now }).execute();
    await deps.store.changes.announce(trx, 'policies');
    await deps.audit.appendWithin(trx, [
      { operation: 'AddDomain', result: 'success', ...actor, details: { name } },
    ]);
    return { ok: true as const, domain: { name, createdAt: new Date(now).toISOString() } };
  });
}

export async function listDomains(deps: Pick<DomainDeps, 'store'>): Promise<Domain[]> {
  const rows = await deps.store.db.selectFrom('domains').selectAll().orderBy('name').execute();
  return rows.map((row) => ({ name: row.name, createdAt: new Date(row.created_at).toISOString() }));
}
