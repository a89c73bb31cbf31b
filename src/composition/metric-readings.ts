import { sql } from 'kysely';
import type { Identity } from '../identity/index.js';
import type { DatabaseReadings, SignInRecorder } from '../metrics/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Store } from '../store/index.js';

/**
 * Counts every sign-in decision by protocol and result, whoever asks (SMTP AUTH, Dovecot's passdb for
 * IMAP/POP3/ManageSieve, the web console, the API), the way sign-in-log.ts logs the refused ones: by
 * wrapping identity.signIn once, in the composition, so identity knows nothing of metrics.
 */
export function countSignIns(identity: Identity, recorder: SignInRecorder): Identity {
  const signIn = identity.signIn;
  return Object.assign(identity, {
    signIn: async (request: Parameters<Identity['signIn']>[0]) => {
      const outcome = await signIn(request);
      recorder.signIn(request.protocol, outcome.ok ? 'success' : outcome.code);
      return outcome;
    },
  });
}

/**
 * The gauges /metrics reads from the database at each scrape: one counting statement each, over
 * small tables (pending deliveries, restriction rows, alert rows), none over the audit log.
 */
export function databaseReadings(store: Store, clock: Clock): DatabaseReadings {
  const db = store.db;
  return {
    async notificationBacklog() {
      const rows = await db
        .selectFrom('notification_deliveries')
        .select(['channel', sql<number>`count(*)`.as('n')])
        .where('status', '=', 'pending')
        .groupBy('channel')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.channel, Number(row.n)]));
    },
    async restrictedSenders() {
      const now = clock.nowMs();
      const row = await db
        .selectFrom('restrictions')
        .select(sql<number>`count(distinct user_id)`.as('n'))
        .where('released_at', 'is', null)
        .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', now)]))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async openAlerts() {
      const rows = await db
        .selectFrom('alerts')
        .select(['severity', sql<number>`count(*)`.as('n')])
        .where('status', '=', 'new')
        .groupBy('severity')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.severity, Number(row.n)]));
    },
  };
}
