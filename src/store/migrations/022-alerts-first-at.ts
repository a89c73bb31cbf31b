import type { Kysely } from 'kysely';

/**
 * Alerts per day (the /admin/alerts chart) reads the alerts raised in a bounded window by first_at;
 * the other alert indexes lead with the mailbox or the status. Alerts are grouped and rare, so the
 * index costs little on the write path.
 */
export function alertsFirstAtMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('alerts_first_at').on('alerts').column('first_at').execute();
    },
  };
}
