import { readFileSync } from 'node:fs';
import type { ExpressionBuilder } from 'kysely';
import type { AuditLog } from './audit/index.js';
import type { Config } from './config/index.js';
import type { Directory } from './directory/index.js';
import { createDnsChecker } from './dnscheck/index.js';
import type { Identity } from './identity/index.js';
import type { Notifier } from './notify/index.js';
import type { Outbound } from './outbound/index.js';
import type { Clock } from './runtime/clock.js';
import { notAvailable, type Reading, reading, type ScoreInputs } from './score/index.js';
import type { OrgSettingsService } from './settings/index.js';
import type { Database, Store } from './store/index.js';

/**
 * What Secure Score reads, wired from the modules that own it (composition, like app.ts). Counts are
 * aggregates in the database, so 100,000 users cost a handful of indexed queries, not a list.
 *
 * A source that cannot be read answers `notAvailable` ("could not check", 0 points), never a pass.
 * Identity facts come from the org settings (src/settings), users.mfa_state, app_passwords and the
 * sign-in log (sign_ins) of migration 004.
 */
export interface ScoreSources {
  config: Config;
  store: Store;
  directory: Directory;
  identity: Pick<Identity, 'lastSignInTrackedSince' | 'passwordStorage'>;
  outbound: Outbound;
  notifier: Notifier;
  audit: AuditLog;
  settings: OrgSettingsService;
  clock: Clock;
}

/** Runs a read; a failure (database down) is "could not check" with the reason, never a pass. */
async function read<T>(work: () => Promise<T>): Promise<Reading<T>> {
  try {
    return reading(await work());
  } catch (error) {
    return notAvailable((error as Error).message);
  }
}

const count = (row: { n: unknown } | undefined) => Number(row?.n ?? 0);

/**
 * How many of the credentials (API tokens, app passwords) were not used since `sinceMs`; one never
 * used counts from its creation.
 */
function unusedSince<T extends 'api_tokens' | 'app_passwords'>(
  eb: ExpressionBuilder<Database, T>,
  sinceMs: number,
) {
  // Both tables have last_used_at and created_at; Kysely cannot see that through the type parameter.
  const credentials = eb as unknown as ExpressionBuilder<Database, 'api_tokens' | 'app_passwords'>;
  return credentials.fn
    .sum<number | string | null>(
      credentials
        .case()
        .when(credentials.fn.coalesce('last_used_at', 'created_at'), '<', sinceMs)
        .then(1)
        .else(0)
        .end(),
    )
    .as('unused');
}

export function createScoreInputs(sources: ScoreSources): ScoreInputs {
  const { config, store } = sources;
  const db = store.db;
  const dns = createDnsChecker({
    servers: config.dns.servers,
    timeoutMs: config.dns.timeoutMs,
    tries: config.dns.tries,
    concurrency: config.score.dnsConcurrency,
    dkimSelectors: config.score.dkimSelectors,
    mtaSts: {
      port: config.score.mtaStsPort,
      extraCa: config.score.mtaStsCaFile ? readFileSync(config.score.mtaStsCaFile, 'utf8') : null,
      timeoutMs: Math.max(config.dns.timeoutMs * config.dns.tries, 5000),
    },
  });
  return {
    directory: {
      accounts: () =>
        read(async () => {
          const rows = await db
            .selectFrom('users')
            .select(['role', (eb) => eb.fn.countAll().as('n')])
            .select((eb) => eb.case().when('disabled_at', 'is', null).then(0).else(1).end().as('disabled'))
            .groupBy(['role', 'disabled'])
            .execute();
          const sum = (filter: (row: (typeof rows)[number]) => boolean) =>
            rows.filter(filter).reduce((total, row) => total + Number(row.n), 0);
          return {
            enabledUsers: sum((row) => Number(row.disabled) === 0),
            disabledUsers: sum((row) => Number(row.disabled) === 1),
            enabledAdmins: sum((row) => Number(row.disabled) === 0 && row.role === 'admin'),
          };
        }),
      domains: () => read(async () => (await sources.directory.listDomains()).map((domain) => domain.name)),
      apiTokens: (sinceMs) =>
        read(async () => {
          const row = await db
            .selectFrom('api_tokens')
            .select((eb) => eb.fn.countAll().as('n'))
            .select((eb) => unusedSince(eb, sinceMs))
            .where('revoked_at', 'is', null)
            .executeTakeFirst();
          return { active: count(row), unused: Number(row?.unused ?? 0) };
        }),
    },
    identity: {
      mfaCoverage: () =>
        read(async () => {
          // `enforced` is an admin's demand, not a factor: such a user counts only once they
          // registered one (a confirmed TOTP or a passkey; recovery codes come with those).
          const rows = await db
            .selectFrom('users')
            .select(['role', 'mfa_state', (eb) => eb.fn.countAll().as('n')])
            .select((eb) =>
              eb
                .case()
                .when('mfa_state', '=', 'enabled')
                .then(1)
                .when(
                  eb.and([
                    eb('mfa_state', '=', 'enforced'),
                    eb.or([
                      eb.exists(
                        eb
                          .selectFrom('totp_credentials')
                          .select('totp_credentials.user_id')
                          .whereRef('totp_credentials.user_id', '=', 'users.id')
                          .where('totp_credentials.confirmed_at', 'is not', null),
                      ),
                      eb.exists(
                        eb
                          .selectFrom('passkeys')
                          .select('passkeys.user_id')
                          .whereRef('passkeys.user_id', '=', 'users.id'),
                      ),
                    ]),
                  ]),
                )
                .then(1)
                .else(0)
                .end()
                .as('registered'),
            )
            .where('disabled_at', 'is', null)
            .groupBy(['role', 'mfa_state', 'registered'])
            .execute();
          const sum = (filter: (row: (typeof rows)[number]) => boolean) =>
            rows.filter(filter).reduce((total, row) => total + Number(row.n), 0);
          const registered = (row: (typeof rows)[number]) => Number(row.registered) === 1;
          const enforcedOnly = (row: (typeof rows)[number]) =>
            row.mfa_state === 'enforced' && !registered(row);
          return {
            users: sum(() => true),
            usersWithMfa: sum(registered),
            usersEnforcedUnregistered: sum(enforcedOnly),
            admins: sum((row) => row.role === 'admin'),
            adminsWithMfa: sum((row) => row.role === 'admin' && registered(row)),
            adminsEnforcedUnregistered: sum((row) => row.role === 'admin' && enforcedOnly(row)),
          };
        }),
      mfaSettings: () =>
        read(async () => {
          const current = await sources.settings.current();
          return {
            requireForAdmins: current['mfa.requireForAdmins'],
            requireForAll: current['mfa.requireForAll'],
          };
        }),
      mailSignIn: () => read(() => sources.settings.get('mailSignIn.accountPassword')),
      // Mailwarden has no periodic password expiry at all: this is the real state of this build.
      passwordExpiryDays: async () => reading(null),
      bannedPasswordList: () => read(() => sources.settings.get('passwords.bannedList')),
      smartLockout: () => read(() => sources.settings.get('lockout.enabled')),
      riskPolicy: () => read(() => sources.settings.get('risk.policyEnabled')),
      passwordStorage: () => read(() => sources.identity.passwordStorage()),
      appPasswords: (sinceMs) =>
        read(async () => {
          const now = sources.clock.nowMs();
          const row = await db
            .selectFrom('app_passwords')
            .select((eb) => eb.fn.countAll().as('n'))
            .select((eb) => unusedSince(eb, sinceMs))
            .where('revoked_at', 'is', null)
            .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
            .executeTakeFirst();
          return { active: count(row), unused: Number(row?.unused ?? 0) };
        }),
      inactiveAccounts: async (sinceMs) => {
        const eligible = (eb: ExpressionBuilder<Database, 'users'>) =>
          eb.and([eb('users.disabled_at', 'is', null), eb('users.created_at', '<', sinceMs)]);
        const trackedSince = await read(() => sources.identity.lastSignInTrackedSince());
        if (!trackedSince.available) return trackedSince;
        // users.last_sign_in_at (migration 011) is exact for every user created since it began to be
        // kept (on a new install: all of them) and for anyone it shows signed in within the period.
        // Only an older user without such a sign-in is unsure: the log must tell whether they signed
        // in before the column was kept.
        const keptFrom = trackedSince.value ?? Number.MAX_SAFE_INTEGER;
        const counted = await read(async () => {
          const row = await db
            .selectFrom('users')
            .select((eb) => {
              const inactive = eb.or([
                eb('users.last_sign_in_at', 'is', null),
                eb('users.last_sign_in_at', '<', sinceMs),
              ]);
              return [
                eb.fn.countAll().as('n'),
                eb.fn.count('users.id').filterWhere(inactive).as('inactive'),
                eb.fn
                  .count('users.id')
                  .filterWhere(eb.and([inactive, eb('users.created_at', '<', keptFrom)]))
                  .as('unsure'),
              ];
            })
            .where(eligible)
            .executeTakeFirst();
          return {
            eligible: count(row),
            inactive: Number(row?.inactive ?? 0),
            unsure: Number(row?.unsure ?? 0),
          };
        });
        if (!counted.available) return counted;
        if (counted.value.unsure === 0)
          return reading({ eligible: counted.value.eligible, inactive: counted.value.inactive });
        // Otherwise the sign-in log must reach back over the whole period, and must be written at
        // all: an empty or shorter log means "not known", not "nobody signed in".
        const retention = await read(() => sources.settings.get('signIns.retentionDays'));
        if (!retention.available) return retention;
        const periodDays = Math.round((sources.clock.nowMs() - sinceMs) / 86_400_000);
        if (retention.value < periodDays) {
          const exactFrom =
            trackedSince.value === null
              ? ''
              : `; exact from ${new Date(trackedSince.value + periodDays * 86_400_000).toISOString().slice(0, 10)}, ${periodDays} days after last sign-ins began to be kept`;
          return notAvailable(
            `${counted.value.unsure} accounts older than last-sign-in tracking have no sign-in since it began, and the sign-in log keeps ${retention.value} days (signIns.retentionDays), fewer than the ${periodDays} this control looks back${exactFrom}`,
          );
        }
        const logged = await read(() => db.selectFrom('sign_ins').select('id').limit(1).executeTakeFirst());
        if (!logged.available) return logged;
        if (!logged.value) return notAvailable('the sign-in log has no entries yet');
        return read(async () => {
          const [all, active] = await Promise.all([
            db
              .selectFrom('users')
              .select((eb) => eb.fn.countAll().as('n'))
              .where(eligible)
              .executeTakeFirst(),
            // A semi-join (IN): one pass over the period's successful sign-ins, hashed.
            db
              .selectFrom('users')
              .select((eb) => eb.fn.countAll().as('n'))
              .where(eligible)
              .where('users.id', 'in', (eb) =>
                eb
                  .selectFrom('sign_ins')
                  .select('sign_ins.user_id')
                  .where('sign_ins.at', '>=', sinceMs)
                  .where('sign_ins.result', '=', 'success'),
              )
              .executeTakeFirst(),
          ]);
          return { eligible: count(all), inactive: count(all) - count(active) };
        });
      },
    },
    outbound: {
      policies: () =>
        read(async () =>
          (await sources.outbound.listPolicies()).map((policy) => ({
            name: policy.name,
            externalPerHour: policy.settings.externalPerHour,
            internalPerHour: policy.settings.internalPerHour,
            perDay: policy.settings.perDay,
            action: policy.settings.action,
            externalForwarding: policy.settings.externalForwarding,
            spamAction: policy.settings.spamAction,
            spamScore: policy.settings.spamScore,
          })),
        ),
      restrictions: (olderThanMs) =>
        read(async () => {
          const row = await db
            .selectFrom('restrictions')
            .select((eb) => eb.fn.countAll().as('n'))
            .select((eb) =>
              eb.fn.sum(eb.case().when('since', '<', olderThanMs).then(1).else(0).end()).as('stale'),
            )
            .where('released_at', 'is', null)
            .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', sources.clock.nowMs())]))
            .executeTakeFirst();
          return { active: count(row), stale: Number(row?.stale ?? 0) };
        }),
      heldMessages: (olderThanMs) =>
        read(async () => {
          const row = await db
            .selectFrom('quarantine')
            .select((eb) => eb.fn.countAll().as('n'))
            .select((eb) =>
              eb.fn.sum(eb.case().when('created_at', '<', olderThanMs).then(1).else(0).end()).as('stale'),
            )
            .where('status', '=', 'held')
            .executeTakeFirst();
          return { held: count(row), stale: Number(row?.stale ?? 0) };
        }),
    },
    config: {
      submission: async () =>
        reading({
          starttlsListener: config.smtp.enabled,
          requireTls: config.smtp.requireTls,
          implicitTlsListener: config.smtps.enabled,
        }),
    },
    notify: {
      channels: () =>
        read(async () => {
          const [admins, webhooks] = await Promise.all([
            db
              .selectFrom('users')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('role', '=', 'admin')
              .where('disabled_at', 'is', null)
              .executeTakeFirst(),
            sources.notifier.listWebhooks(),
          ]);
          return {
            adminEmails: count(admins),
            activeWebhooks: webhooks.filter((webhook) => webhook.active).length,
          };
        }),
      deliveries: (sinceMs) =>
        read(async () => {
          const rows = await db
            .selectFrom('notification_deliveries')
            .select(['status', (eb) => eb.fn.countAll().as('n')])
            .where('created_at', '>=', sinceMs)
            .groupBy('status')
            .execute();
          const of = (status: string) => Number(rows.find((row) => row.status === status)?.n ?? 0);
          return { delivered: of('delivered'), failed: of('failed'), pending: of('pending') };
        }),
    },
    alerts: {
      untriagedHigh: (olderThanMs) =>
        read(async () => {
          const row = await db
            .selectFrom('alerts')
            .select((eb) => eb.fn.countAll().as('n'))
            .select((eb) =>
              eb.fn.sum(eb.case().when('first_at', '<', olderThanMs).then(1).else(0).end()).as('stale'),
            )
            .where('severity', '=', 'high')
            .where('status', '=', 'new')
            .executeTakeFirst();
          return { open: count(row), stale: Number(row?.stale ?? 0) };
        }),
    },
    audit: {
      mailboxAuditCoverage: () => read(() => sources.audit.mailboxAuditCoverage()),
      retentionDays: () => read(() => sources.settings.get('audit.retentionDays')),
      verifyChain: () =>
        read(async () => {
          const outcome = await sources.audit.verify();
          return outcome.ok
            ? { ok: true, recordsChecked: outcome.recordsChecked, detail: null, throughId: outcome.headId }
            : {
                ok: false,
                recordsChecked: outcome.recordsChecked,
                detail: outcome.detail,
                throughId: outcome.brokenAtId,
              };
        }),
    },
    dns,
  };
}
