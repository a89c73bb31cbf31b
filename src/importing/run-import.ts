import { randomUUID } from 'node:crypto';
import type { Actor, AuditLog, AuditRecordInput } from '../audit/index.js';
import { isDomainName, parseEmailAddress } from '../directory/index.js';
import { normalizeImportedHash } from '../identity/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Executor, Store, UserTable } from '../store/index.js';
import type { ImportEntry } from './entries.js';
import { emptyReport, type ImportReport, LISTED_PER_SECTION, record, reportCounts } from './report.js';

export interface ImportDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
}

export interface RunOptions {
  /** Names the source in users.imported_from and in the audit records ("sql:mailcow:mysql://…"). */
  label: string;
  dryRun: boolean;
  /** Also disable the accounts of this source that it no longer lists. */
  sync: boolean;
  defaultScheme?: string | undefined;
  actor: Actor;
}

/** Thrown to roll a dry run back once its report is complete. */
class DryRunDone extends Error {
  constructor(readonly report: ImportReport) {
    super('dry run');
  }
}

type AccountTransaction = <T>(work: (trx: Executor) => Promise<T>) => Promise<T>;

/**
 * Applies a source's entries. Each account (with its aliases' checks and its audit record) is one
 * transaction, so an account is never half written. A dry run does the same work in one
 * transaction that is rolled back, so its report is exactly what the real run would do.
 * When the source cannot be read to its end (an error from `entries`), nothing is disabled.
 */
export async function runImport(
  deps: ImportDeps,
  entries: AsyncIterable<ImportEntry>,
  options: RunOptions,
): Promise<ImportReport> {
  if (!options.dryRun) {
    const report = await applyEntries(deps, entries, options, (work) => deps.store.writeTransaction(work));
    await deps.audit.append({
      operation: 'ImportRun',
      result: 'success',
      ...options.actor,
      details: { source: options.label, sync: options.sync, ...reportCounts(report) },
    });
    return report;
  }
  try {
    await deps.store.writeTransaction(async (outer) => {
      const report = await applyEntries(deps, entries, options, (work) => work(outer));
      throw new DryRunDone(report);
    });
  } catch (error) {
    if (error instanceof DryRunDone) return error.report;
    throw error;
  }
  throw new Error('dry run ended without a report');
}

async function applyEntries(
  deps: ImportDeps,
  entries: AsyncIterable<ImportEntry>,
  options: RunOptions,
  inTransaction: AccountTransaction,
): Promise<ImportReport> {
  const report = emptyReport(options.label, options.dryRun, options.sync);
  const context: RunContext = { deps, options, report, inTransaction, knownDomains: new Set() };
  /** Addresses the source lists (sync: every other account of the source is gone from it). */
  const listed = options.sync ? new Set<string>() : null;
  let users = 0;
  for await (const entry of entries) {
    switch (entry.kind) {
      case 'domain':
        await importDomain(context, entry.name, entry.at);
        break;
      case 'user':
        users += 1;
        listed?.add(entry.address.trim().toLowerCase());
        await importUser(context, entry);
        break;
      case 'alias':
        await importAlias(context, entry);
        break;
      case 'invalid':
        // An unreadable entry of an account still counts as listed: a bad row never disables anyone.
        if (entry.name) listed?.add(entry.name.trim().toLowerCase());
        if (entry.section === 'users') users += 1;
        record(report, entry.section, {
          name: entry.name,
          outcome: 'skipped',
          at: entry.at,
          reason: entry.reason,
        });
        break;
    }
  }
  if (listed) await disableGone(context, listed, users);
  return report;
}

interface RunContext {
  deps: ImportDeps;
  options: RunOptions;
  report: ImportReport;
  inTransaction: AccountTransaction;
  /** Domains known to exist (or created by this run), so that each is looked up once. */
  knownDomains: Set<string>;
}

function auditRecord(
  context: RunContext,
  mailbox: string | null,
  details: Record<string, unknown>,
): AuditRecordInput {
  return {
    operation: 'ImportAccount',
    result: 'success',
    mailbox,
    ...context.options.actor,
    details: { source: context.options.label, ...details },
  };
}

/** Creates the domain in `trx` unless it exists; reports it once per run. */
async function ensureDomain(
  context: RunContext,
  trx: Executor,
  name: string,
  at: string | undefined,
): Promise<void> {
  if (context.knownDomains.has(name)) return;
  const existing = await trx.selectFrom('domains').select('name').where('name', '=', name).executeTakeFirst();
  if (existing) {
    context.knownDomains.add(name);
    if (at !== undefined) record(context.report, 'domains', { name, outcome: 'unchanged' });
    return;
  }
  await trx.insertInto('domains').values({ name, created_at: context.deps.clock.nowMs() }).execute();
  await context.deps.audit.appendWithin(trx, [
    {
      operation: 'AddDomain',
      result: 'success',
      ...context.options.actor,
      details: { name, source: context.options.label },
    },
  ]);
  context.knownDomains.add(name);
  record(context.report, 'domains', { name, outcome: 'created', ...(at ? { at } : {}) });
}

async function importDomain(context: RunContext, input: string, at: string): Promise<void> {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  if (!isDomainName(name)) {
    record(context.report, 'domains', {
      name: input,
      outcome: 'skipped',
      at,
      reason: `"${input}" is not a valid domain name`,
    });
    return;
  }
  if (context.knownDomains.has(name)) {
    record(context.report, 'domains', { name, outcome: 'unchanged' });
    return;
  }
  await context.inTransaction((trx) => ensureDomain(context, trx, name, at));
}

/** null for "no name"; false when the name is unusable (control characters, too long). */
function displayNameOf(input: string | null): string | null | false {
  if (input === null) return null;
  const name = input.trim();
  if (name === '') return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (name.length > 256 || /[\u0000-\u001f\u007f]/.test(name)) return false;
  return name;
}

async function importUser(context: RunContext, entry: Extract<ImportEntry, { kind: 'user' }>): Promise<void> {
  const { report, options } = context;
  const parsed = parseEmailAddress(entry.address);
  const skip = (reason: string) =>
    record(report, 'users', { name: entry.address, outcome: 'skipped', at: entry.at, reason });
  if (!parsed.ok) return skip(`"${entry.address}" is not a valid email address`);
  const displayName = displayNameOf(entry.displayName);
  if (displayName === false) return skip('the name must be 1–256 printable characters');
  const hash = normalizeImportedHash(entry.hash, options.defaultScheme);
  const stored = hash.ok ? hash.stored : null;
  const address = parsed.address;
  const outcome = await context.inTransaction(async (trx) => {
    const owner = await trx
      .selectFrom('addresses')
      .innerJoin('users', 'users.id', 'addresses.user_id')
      .select(['addresses.kind', 'users.address'])
      .where('addresses.address', '=', address)
      .executeTakeFirst();
    if (owner && owner.kind === 'alias')
      return { skipped: `${address} is already an alias of ${owner.address} in Mailwarden` } as const;
    const row = await trx.selectFrom('users').selectAll().where('address', '=', address).executeTakeFirst();
    const now = context.deps.clock.nowMs();
    if (!row) {
      await ensureDomain(context, trx, parsed.domain, undefined);
      const created: UserTable = {
        id: randomUUID(),
        address,
        domain: parsed.domain,
        display_name: displayName,
        role: entry.admin ? 'admin' : 'user',
        password_hash: stored,
        password_changed_at: now,
        disabled_at: entry.disabled ? now : null,
        created_at: now,
        updated_at: now,
        mfa_state: 'disabled',
        must_change_password: 0,
        sessions_valid_after: 0,
        mfa_grace_from: null,
        last_sign_in_at: null,
        imported_from: options.label,
        imported_hash: stored,
        imported_at: now,
        // Its mail clients hold the account password: they keep working until moved to app passwords.
        mail_account_password: 1,
      };
      await trx.insertInto('users').values(created).execute();
      await trx
        .insertInto('addresses')
        .values({ address, user_id: created.id, kind: 'primary', created_at: now })
        .execute();
      const changes = [
        'created',
        ...(entry.disabled ? ['disabled'] : []),
        ...(entry.admin ? ['role admin'] : []),
      ];
      await context.deps.audit.appendWithin(trx, [
        auditRecord(context, address, {
          changes,
          displayName,
          role: created.role,
          ...(hash.ok ? { scheme: hash.scheme } : { withoutPassword: hash.reason }),
        }),
      ]);
      return { outcome: 'created', changes } as const;
    }
    if (row.imported_from === null || row.imported_from === undefined)
      return { skipped: 'an account made in Mailwarden: left as it is' } as const;
    const changes: string[] = [];
    const set: Partial<UserTable> = {};
    let note: string | undefined;
    // Changed here since the source's hash was last taken: imported_at must not pass that change.
    const changedHere =
      row.password_changed_at !== null && row.imported_at !== null && row.imported_at !== undefined
        ? row.password_changed_at > row.imported_at
        : false;
    if (row.imported_from !== options.label) {
      set.imported_from = options.label;
      changes.push('source');
    }
    if (displayName !== null && displayName !== row.display_name) {
      set.display_name = displayName;
      changes.push('name');
    }
    if (entry.disabled !== (row.disabled_at !== null)) {
      set.disabled_at = entry.disabled ? now : null;
      changes.push(entry.disabled ? 'disabled' : 'enabled');
    }
    if (entry.admin && row.role !== 'admin') {
      set.role = 'admin';
      changes.push('role admin');
    }
    if (stored !== null && stored !== row.imported_hash) {
      if (changedHere)
        note =
          'the password was changed in Mailwarden since the last import: the source’s new hash is not applied';
      else {
        set.password_hash = stored;
        set.imported_hash = stored;
        set.password_changed_at = now;
        changes.push('password');
      }
    }
    if (changes.length === 0) return { outcome: 'unchanged', note } as const;
    if (!changedHere) set.imported_at = now;
    set.updated_at = now;
    if (set.disabled_at !== undefined || set.password_hash !== undefined) set.sessions_valid_after = now;
    await trx.updateTable('users').set(set).where('id', '=', row.id).execute();
    await context.deps.audit.appendWithin(trx, [
      auditRecord(context, address, {
        changes,
        ...(set.display_name !== undefined ? { displayName: set.display_name } : {}),
        ...(set.password_hash !== undefined && hash.ok ? { scheme: hash.scheme } : {}),
      }),
    ]);
    return { outcome: 'updated', changes, note } as const;
  });
  if ('skipped' in outcome) return skip(outcome.skipped ?? '');
  if (!hash.ok && outcome.outcome === 'created') {
    if (report.users.withoutPassword.length < LISTED_PER_SECTION) report.users.withoutPassword.push(address);
  }
  record(report, 'users', {
    name: address,
    outcome: outcome.outcome,
    at: entry.at,
    ...('changes' in outcome && outcome.outcome !== 'unchanged' ? { changes: outcome.changes } : {}),
    ...(!hash.ok && outcome.outcome === 'created'
      ? { reason: `imported without a usable password: ${hash.reason}` }
      : outcome.note
        ? { reason: outcome.note }
        : {}),
  });
}

async function importAlias(
  context: RunContext,
  entry: Extract<ImportEntry, { kind: 'alias' }>,
): Promise<void> {
  const skip = (reason: string) =>
    record(context.report, 'aliases', { name: entry.address, outcome: 'skipped', at: entry.at, reason });
  if (entry.address.trim().startsWith('@')) return skip('a catch-all (@domain) has no Mailwarden equivalent');
  const parsed = parseEmailAddress(entry.address);
  if (!parsed.ok) return skip(`"${entry.address}" is not a valid email address`);
  const alias = parsed.address;
  const targets = [...new Set(entry.targets.map((target) => target.trim().toLowerCase()))].filter(
    (target) => target !== alias,
  );
  const outcome = await context.inTransaction(async (trx) => {
    const isMailbox = await trx
      .selectFrom('users')
      .select('id')
      .where('address', '=', alias)
      .executeTakeFirst();
    // mailcow and Postfix Admin list every mailbox as an alias of itself: that is no alias.
    if (isMailbox && targets.length === 0) return { ignore: true } as const;
    if (isMailbox)
      return {
        skipped: `${alias} is a mailbox: its forwarding to ${targets.join(', ')} is not imported`,
      } as const;
    if (!entry.active) return { skipped: 'inactive at the source' } as const;
    if (targets.length === 0) return { skipped: 'it delivers to no address' } as const;
    if (targets.length > 1)
      return {
        skipped: `it delivers to ${targets.length} addresses; a Mailwarden alias belongs to one user`,
      } as const;
    const target = targets[0] as string;
    const user = await trx
      .selectFrom('users')
      .select(['id', 'address'])
      .where('address', '=', target)
      .executeTakeFirst();
    if (!user) return { skipped: `it delivers to ${target}, which is not a Mailwarden user` } as const;
    const existing = await trx
      .selectFrom('addresses')
      .innerJoin('users', 'users.id', 'addresses.user_id')
      .select(['addresses.user_id', 'users.address'])
      .where('addresses.address', '=', alias)
      .executeTakeFirst();
    if (existing && existing.user_id === user.id) return { outcome: 'unchanged' } as const;
    if (existing) return { skipped: `${alias} is already an address of ${existing.address}` } as const;
    await ensureDomain(context, trx, parsed.domain, undefined);
    const now = context.deps.clock.nowMs();
    await trx
      .insertInto('addresses')
      .values({ address: alias, user_id: user.id, kind: 'alias', created_at: now })
      .execute();
    await trx.updateTable('users').set({ updated_at: now }).where('id', '=', user.id).execute();
    await context.deps.audit.appendWithin(trx, [
      auditRecord(context, user.address, { changes: [`alias ${alias}`] }),
    ]);
    return { outcome: 'created', target: user.address } as const;
  });
  if ('ignore' in outcome) return;
  if ('skipped' in outcome) return skip(outcome.skipped ?? '');
  record(context.report, 'aliases', {
    name: alias,
    outcome: outcome.outcome,
    at: entry.at,
    ...(outcome.outcome === 'created' ? { changes: [`of ${outcome.target}`] } : {}),
  });
}

/** Sync: accounts of this source it no longer lists are disabled (never deleted). */
async function disableGone(context: RunContext, listed: Set<string>, users: number): Promise<void> {
  const { report, options } = context;
  const active = await context.inTransaction((trx) =>
    trx
      .selectFrom('users')
      .select('address')
      .where('imported_from', '=', options.label)
      .where('disabled_at', 'is', null)
      .execute(),
  );
  const gone = active.filter((row) => !listed.has(row.address));
  if (gone.length === 0) return;
  if (users === 0) {
    // An empty answer is far likelier a broken source (a wrong table, a truncated file) than every
    // account gone: nobody is disabled on its word.
    for (const row of gone)
      record(report, 'users', {
        name: row.address,
        outcome: 'skipped',
        reason: 'gone from the source, but the source listed no accounts at all: not disabled',
      });
    return;
  }
  for (const { address } of gone) {
    const changed = await context.inTransaction(async (trx) => {
      const now = context.deps.clock.nowMs();
      const result = await trx
        .updateTable('users')
        .set({ disabled_at: now, updated_at: now, sessions_valid_after: now })
        .where('address', '=', address)
        .where('imported_from', '=', options.label)
        .where('disabled_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await context.deps.audit.appendWithin(trx, [
        auditRecord(context, address, { changes: ['disabled'], reason: 'gone from the source' }),
      ]);
      return true;
    });
    if (changed)
      record(report, 'users', {
        name: address,
        outcome: 'updated',
        changes: ['disabled'],
        reason: 'gone from the source',
      });
  }
}
