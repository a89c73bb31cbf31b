import { readFileSync } from 'node:fs';
import { createDnsChecker } from '../dnscheck/index.js';
import { reading, type ScoreInputs } from '../score/index.js';
import { identityReadings } from './score-identity-readings.js';
import { count, read, unusedSince } from './score-read-helpers.js';
import type { ScoreSources } from './score-sources.js';

/**
 * What Secure Score reads (ScoreInputs), wired from the modules that own it, one part per area.
 * Counts are aggregates in the database, so 100,000 users cost a handful of indexed queries, not a
 * list. A source that cannot be read answers `notAvailable` ("could not check", 0 points), never a
 * pass.
 */
export function createScoreInputs(sources: ScoreSources): ScoreInputs {
  return {
    directory: directoryReadings(sources),
    identity: identityReadings(sources),
    outbound: outboundReadings(sources),
    config: configReadings(sources),
    notify: notifyReadings(sources),
    alerts: alertReadings(sources),
    audit: auditReadings(sources),
    dns: domainChecks(sources),
  };
}

/** Accounts by role and state, domains, API tokens. */
function directoryReadings(sources: ScoreSources): ScoreInputs['directory'] {
  const db = sources.store.db;
  return {
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
  };
}

/** Sending policies, restrictions in force, held messages. */
function outboundReadings(sources: ScoreSources): ScoreInputs['outbound'] {
  const db = sources.store.db;
  return {
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
  };
}

/** The submission listeners, as configured. */
function configReadings({ config }: ScoreSources): ScoreInputs['config'] {
  return {
    submission: async () =>
      reading({
        starttlsListener: config.smtp.enabled,
        requireTls: config.smtp.requireTls,
        implicitTlsListener: config.smtps.enabled,
      }),
  };
}

/** Where alerts go (admin emails, webhooks), and how their deliveries fared. */
function notifyReadings(sources: ScoreSources): ScoreInputs['notify'] {
  const db = sources.store.db;
  return {
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
  };
}

/** High-severity alerts nobody triaged. */
function alertReadings(sources: ScoreSources): ScoreInputs['alerts'] {
  const db = sources.store.db;
  return {
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
  };
}

/** The mailbox audit's coverage, retention, and a walk of the chain. */
function auditReadings(sources: ScoreSources): ScoreInputs['audit'] {
  return {
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
  };
}

/** DNS checks of the domains (SPF, DKIM, DMARC, MTA-STS, …), with the configured resolvers. */
function domainChecks({ config }: ScoreSources): ScoreInputs['dns'] {
  return createDnsChecker({
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
}
