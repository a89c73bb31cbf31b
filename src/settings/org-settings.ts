import type { Actor, AuditLog } from '../audit/index.js';
import { inEnglish, type Message, message } from '../i18n/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Store } from '../store/index.js';
import {
  defaultOrgSettings,
  isOrgSettingKey,
  type OrgSettingKey,
  type OrgSettings,
  orgSettingFields,
  parseOrgSettingValue,
} from './org-setting-fields.js';

export type OrgSettingsChangeOutcome =
  | { ok: true; settings: OrgSettings; changed: OrgSettingKey[] }
  | {
      ok: false;
      code: 'invalid-setting';
      /** The problems in English, joined by "; " (the CLI and the API). */
      message: string;
      /** One line per problem, in English. */
      problems: string[];
      /** The same problems as messages, for a reader of any language (the console). */
      problemMessages: Message[];
    };

export interface OrgSettingEntry {
  key: OrgSettingKey;
  value: OrgSettings[OrgSettingKey];
  default: OrgSettings[OrgSettingKey];
  description: string;
  /** Null while the setting is at its default. */
  updatedAt: string | null;
  updatedBy: string | null;
}

/**
 * How long a process trusts its copy of the settings. Every sign-in reads them, and they change a few
 * times a year: a change through this process (API, console) is seen at once; one made by another
 * process (`mailwarden org set`, another instance on PostgreSQL) within this time. Real time, not the
 * injected clock: tests move that clock by days and must not be served a stale copy for it.
 */
export const ORG_SETTINGS_SNAPSHOT_MS = 1000;

export interface OrgSettingsService {
  /** Every setting, stored values over defaults (a frozen snapshot at most ORG_SETTINGS_SNAPSHOT_MS old). */
  current(): Promise<OrgSettings>;
  get<K extends OrgSettingKey>(key: K): Promise<OrgSettings[K]>;
  describe(): Promise<OrgSettingEntry[]>;
  /** Validates every change first (all problems at once), then stores and audits them in one transaction. */
  change(changes: Record<string, unknown>, actor: Actor): Promise<OrgSettingsChangeOutcome>;
}

export function createOrgSettings(deps: {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  /** Defaults this installation sets at start-up (config), over the fields' own. */
  defaults?: Partial<OrgSettings>;
}): OrgSettingsService {
  const readRows = () => deps.store.db.selectFrom('org_settings').selectAll().execute();
  const defaults: OrgSettings = Object.freeze({ ...defaultOrgSettings(), ...deps.defaults });

  const readSettings = async (): Promise<OrgSettings> => {
    const settings = { ...defaults } as unknown as Record<string, unknown>;
    for (const row of await readRows()) {
      // A stored value that no longer validates (a range narrowed in an upgrade) falls back to its default.
      if (!isOrgSettingKey(row.key)) continue;
      const parsed = parseOrgSettingValue(row.key, JSON.parse(row.value));
      if (parsed.ok) settings[row.key] = parsed.value;
    }
    return Object.freeze(settings) as unknown as OrgSettings;
  };
  let snapshot: { settings: OrgSettings; readAt: number } | null = null;
  // A change made through any instance ends this instance's snapshot at once.
  deps.store.changes.subscribe('settings', () => {
    snapshot = null;
  });
  const current = async (): Promise<OrgSettings> => {
    const now = performance.now();
    if (snapshot && now - snapshot.readAt < ORG_SETTINGS_SNAPSHOT_MS) return snapshot.settings;
    const settings = await readSettings();
    snapshot = { settings, readAt: now };
    return settings;
  };

  return {
    current,
    async get(key) {
      return (await current())[key];
    },
    async describe() {
      const rows = new Map((await readRows()).map((row) => [row.key, row]));
      const settings = await readSettings();
      return (Object.keys(orgSettingFields) as OrgSettingKey[]).map((key) => {
        const row = rows.get(key);
        return {
          key,
          value: settings[key],
          default: defaults[key],
          description: orgSettingFields[key].description,
          updatedAt: row ? new Date(row.updated_at).toISOString() : null,
          updatedBy: row?.updated_by ?? null,
        };
      });
    },
    async change(changes, actor) {
      const problemMessages: Message[] = [];
      const parsed: [OrgSettingKey, boolean | number | string][] = [];
      for (const [key, raw] of Object.entries(changes)) {
        if (!isOrgSettingKey(key)) {
          problemMessages.push(
            message('settings.problem.notASetting', { key, command: 'mailwarden org show' }),
          );
          continue;
        }
        const outcome = parseOrgSettingValue(key, raw);
        if (outcome.ok) parsed.push([key, outcome.value]);
        else problemMessages.push(outcome.problem);
      }
      if (parsed.length === 0 && problemMessages.length === 0)
        problemMessages.push(message('settings.problem.nothingToChange'));
      if (problemMessages.length > 0) {
        const problems = problemMessages.map(inEnglish);
        return {
          ok: false,
          code: 'invalid-setting',
          message: problems.join('; '),
          problems,
          problemMessages,
        };
      }
      // Fresh, not the snapshot: the audit record's "from" must be what was stored.
      const before = await readSettings();
      const changed = parsed.filter(([key, value]) => before[key] !== value);
      const now = deps.clock.nowMs();
      await deps.store.writeTransaction(async (trx) => {
        for (const [key, value] of changed) {
          const row = { key, value: JSON.stringify(value), updated_at: now, updated_by: actor.actor };
          await trx
            .insertInto('org_settings')
            .values(row)
            .onConflict((oc) =>
              oc.column('key').doUpdateSet({ value: row.value, updated_at: now, updated_by: actor.actor }),
            )
            .execute();
        }
        await deps.audit.appendWithin(
          trx,
          changed.map(([key, value]) => ({
            operation: 'ChangeOrgSetting' as const,
            result: 'success' as const,
            actor: actor.actor,
            logonType: actor.logonType,
            clientIp: actor.clientIp ?? null,
            clientInfo: actor.clientInfo ?? null,
            details: { setting: key, from: before[key], to: value },
          })),
        );
        if (changed.length > 0) await deps.store.changes.announce(trx, 'settings');
      });
      snapshot = null;
      return { ok: true, settings: await current(), changed: changed.map(([key]) => key) };
    },
  };
}
