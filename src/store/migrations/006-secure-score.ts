import type { Kysely } from 'kysely';

/** Secure Score: admin-set control statuses, the score's snapshots (daily and on demand), cached facts. */
export function secureScoreMigration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('score_control_statuses')
        .addColumn('control_id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('set_by', 'text', (c) => c.notNull())
        .addColumn('set_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('score_snapshots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('taken_at', 'bigint', (c) => c.notNull())
        // The UTC day of a daily snapshot; unique, so that instances sharing a database take one a day.
        .addColumn('daily_day', 'text', (c) => c.unique())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('max_score', 'double precision', (c) => c.notNull())
        .addColumn('achievable_score', 'double precision', (c) => c.notNull())
        .addColumn('categories', 'text', (c) => c.notNull())
        .addColumn('controls', 'text', (c) => c.notNull())
        .execute();
      // Facts that are too costly to measure on every report (the audit chain walk), with their time.
      await db.schema
        .createTable('score_cached_facts')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('measured_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('score_snapshots_taken_at')
        .on('score_snapshots')
        .column('taken_at')
        .execute();
    },
  };
}
